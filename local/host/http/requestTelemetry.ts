import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SpanParent, Telemetry, TelemetrySpan } from '../../telemetry/index.js';

const ALWAYS_TRACED = ['/.auth', '/admin', '/runtime'];
// As the Functions host filters its own request telemetry: probes tell nothing about the app.
const NEVER_TRACED = ['/admin/host/ping', '/admin/host/status'];

const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);

/**
 * Which requests get a span: the app's routes, sign-in, the admin API and webhooks, and anything that is not a
 * read — not the inspector's own calls (`/_local`), health probes, or the web client's static files.
 */
function traced(method: string, path: string, routePrefix: string): boolean {
  const lower = path.toLowerCase();
  if (under(lower, '/_local') || NEVER_TRACED.includes(lower)) return false;
  if (method !== 'GET' && method !== 'HEAD') return true;
  if (ALWAYS_TRACED.some((prefix) => under(lower, prefix))) return true;
  return routePrefix === '' || under(lower, `/${routePrefix.toLowerCase()}`);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The request's server span, continuing the caller's `traceparent`, when telemetry records; it ends when the
 * response does, with its status (5xx, or a response cut off, marks it failed).
 */
export function traceRequest(
  telemetry: Telemetry,
  request: { req: IncomingMessage; res: ServerResponse; url: URL },
  routePrefix: string,
): TelemetrySpan | undefined {
  if (!telemetry.recording) return undefined;
  const { req, res, url } = request;
  const method = (req.method ?? 'GET').toUpperCase();
  if (!traced(method, url.pathname, routePrefix)) return undefined;
  const span = telemetry.startSpan('host', `${method} ${url.pathname}`, {
    kind: 'server',
    parent: header(req, 'traceparent'),
    traceState: header(req, 'tracestate'),
    attributes: {
      'http.request.method': method,
      'url.path': url.pathname,
      'url.scheme': 'http',
      'server.address': url.hostname,
      'client.address': req.socket.remoteAddress,
      'user_agent.original': header(req, 'user-agent'),
    },
  });
  telemetry.bind(req, span);
  res.once('close', () => {
    span.set({ 'http.response.status_code': res.statusCode });
    if (!res.writableFinished) span.fail('The response was cut off before it finished.');
    else if (res.statusCode >= 500) span.fail(`The request was answered ${res.statusCode}.`);
    span.end();
  });
  return span;
}

/** What an invocation for this request continues: the request's span, else the traceparent the caller sent. */
export function requestParent(telemetry: Telemetry, req: IncomingMessage): SpanParent {
  return telemetry.spanOf(req) ?? header(req, 'traceparent');
}
