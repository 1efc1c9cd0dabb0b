import type { IncomingMessage, ServerResponse } from 'node:http';

export type CorsPolicy = { origins: string[]; credentials: boolean };

/** Checks the Core Tools CORS settings: ASP.NET refuses a wildcard origin together with credentials. */
export function validateCorsPolicy(policy: CorsPolicy): void {
  if (policy.credentials && policy.origins.includes('*')) {
    throw new Error(
      "Host.CORS is '*' while Host.CORSCredentials is true: the CORS protocol does not allow a wildcard origin with credentials. List the allowed origins instead.",
    );
  }
}

/**
 * Host-level CORS as Core Tools configures it (given origins, any header, any method, optional credentials).
 * Answers preflights itself (returns true); for other requests it only adds headers.
 */
export function applyCors(policy: CorsPolicy, req: IncomingMessage, res: ServerResponse): boolean {
  if (policy.origins.length === 0) return false;
  const origin = req.headers.origin;
  if (origin === undefined) return false;
  const wildcard = policy.origins.includes('*');
  const allowed = wildcard || policy.origins.some((o) => o.toLowerCase() === origin.toLowerCase());
  const requestedMethod = req.headers['access-control-request-method'];
  const isPreflight = req.method === 'OPTIONS' && requestedMethod !== undefined;
  if (allowed) {
    res.setHeader('access-control-allow-origin', wildcard && !policy.credentials ? '*' : origin);
    if (policy.credentials) res.setHeader('access-control-allow-credentials', 'true');
    if (!wildcard) res.setHeader('vary', 'Origin');
    if (isPreflight) {
      res.setHeader('access-control-allow-methods', requestedMethod);
      const requestedHeaders = req.headers['access-control-request-headers'];
      if (requestedHeaders) res.setHeader('access-control-allow-headers', requestedHeaders);
    }
  }
  if (!isPreflight) return false;
  // ASP.NET answers every preflight with 204; a disallowed origin just gets no CORS headers.
  res.statusCode = 204;
  res.end();
  return true;
}
