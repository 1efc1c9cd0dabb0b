import type { IncomingMessage, ServerResponse } from 'node:http';

const ALLOWED_METHODS = 'GET, POST, PUT, DELETE, HEAD, OPTIONS';
const DEFAULT_ALLOWED_HEADERS = 'Authorization, Content-Type, X-Requested-With, X-SignalR-User-Agent';

/**
 * CORS as the SignalR client needs it: it always sends credentials, so the exact origin is echoed with
 * `Access-Control-Allow-Credentials: true` (a `*` answer would fail). `origins` may contain `*` for any origin.
 * Returns true when it answered the request (a preflight).
 */
export function handleCors(request: IncomingMessage, response: ServerResponse, origins: readonly string[]): boolean {
  const origin = request.headers.origin;
  const allowed = origin !== undefined && (origins.includes('*') || origins.includes(origin));
  if (allowed) {
    response.setHeader('Access-Control-Allow-Origin', origin);
    response.setHeader('Access-Control-Allow-Credentials', 'true');
  }
  if (origin !== undefined) response.setHeader('Vary', 'Origin');
  const preflight = request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined;
  if (!preflight) return false;
  if (!allowed) {
    response.writeHead(403, { 'Content-Type': 'text/plain; charset=utf-8' });
    response.end(`Origin ${origin ?? '(none)'} is not allowed; add it to the SignalR service's corsOrigins.`);
    return true;
  }
  response.writeHead(204, {
    'Access-Control-Allow-Methods': ALLOWED_METHODS,
    'Access-Control-Allow-Headers': request.headers['access-control-request-headers'] ?? DEFAULT_ALLOWED_HEADERS,
    'Access-Control-Max-Age': '600',
  });
  response.end();
  return true;
}
