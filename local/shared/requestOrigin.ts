import type { IncomingMessage } from 'node:http';

/**
 * Why a request that would change state must be refused as coming from another site, or undefined when it may
 * go on. A browser names the page that sent a request in `Origin` (every POST, and fetches) and, in
 * `Sec-Fetch-Site`, how that page relates to the target; a form on any web page can post to localhost without a
 * preflight, so these headers are the only way to tell such a post from the user's own. Requests with neither
 * header (curl, SDKs, scripts) are not from a browser page and go on. Trusted origins are the site's own (from the
 * Host header, checked by the host before) and the ones listed, e.g. the CORS origins of local.settings.json.
 */
export function crossSiteRefusal(req: IncomingMessage, trustedOrigins: readonly string[]): string | undefined {
  const origin = req.headers.origin;
  if (origin !== undefined) {
    const own = `http://${(req.headers.host ?? '').toLowerCase()}`;
    const lower = origin.toLowerCase();
    if (lower === own || trustedOrigins.some((o) => o !== '*' && o.toLowerCase() === lower)) return undefined;
    return `a page on ${origin === 'null' ? 'an opaque origin' : origin} sent it`;
  }
  if (req.headers['sec-fetch-site'] === 'cross-site') return 'a page on another site sent it';
  return undefined;
}
