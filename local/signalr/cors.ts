import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendProblem } from '../shared/problemJson.js';
import { serviceProblems } from './serviceProblems.js';

const ALLOWED_METHODS = 'GET, POST, PUT, DELETE, HEAD, OPTIONS';
const DEFAULT_ALLOWED_HEADERS = 'Authorization, Content-Type, X-Requested-With, X-SignalR-User-Agent';

/** Browser origins the service answers: a list, or a function read on every request (the stack's host port). */
export type CorsOrigins = readonly string[] | (() => readonly string[]);

/** True when a browser at `origin` may use the service: listed, or `*` is. Requests without Origin are not browsers'. */
export function originAllowed(origin: string | undefined, origins: CorsOrigins): boolean {
  if (origin === undefined) return true;
  const allowed = typeof origins === 'function' ? origins() : origins;
  return allowed.includes(origin) || allowed.includes('*');
}

/**
 * CORS for the origins listed, and only those: the SignalR client always sends credentials, so a listed origin
 * is echoed with `Access-Control-Allow-Credentials: true`. `*` in the list lets any origin in *without*
 * credentials, as the CORS rules require — never "any origin, with credentials". A request from an origin not
 * allowed is refused outright (403), preflight or not, so a page elsewhere cannot even fire requests blind.
 * Returns true when it answered the request.
 */
export function handleCors(request: IncomingMessage, response: ServerResponse, origins: CorsOrigins): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  response.setHeader('Vary', 'Origin');
  if (!originAllowed(origin, origins)) {
    sendProblem(response, serviceProblems.originNotAllowed(origin));
    return true;
  }
  const listed = (typeof origins === 'function' ? origins() : origins).includes(origin);
  response.setHeader('Access-Control-Allow-Origin', listed ? origin : '*');
  if (listed) response.setHeader('Access-Control-Allow-Credentials', 'true');
  if (request.method !== 'OPTIONS' || request.headers['access-control-request-method'] === undefined) return false;
  response.writeHead(204, {
    'Access-Control-Allow-Methods': ALLOWED_METHODS,
    'Access-Control-Allow-Headers': request.headers['access-control-request-headers'] ?? DEFAULT_ALLOWED_HEADERS,
    'Access-Control-Max-Age': '600',
  });
  response.end();
  return true;
}
