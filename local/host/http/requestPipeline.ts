import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FunctionInfo } from '../functionIndex.js';
import type { InvocationResult, TriggerInvocation } from '../invoker.js';
import type { HostLogger } from '../logger.js';
import { handleAdminRequest } from './admin.js';
import { applyCors, type CorsPolicy } from './cors.js';
import { serveHomepage } from './homepage.js';
import { httpBindingData } from './httpBindingData.js';
import { BodyTooLargeError, readBody } from './readBody.js';
import type { RequestQueue } from './requestQueue.js';
import { collectHeaders, collectQuery, toRpcHttpRequest } from './toRpcHttpRequest.js';
import { writeHttpResponse } from './writeHttpResponse.js';
import { ADMIN_INVOKE_REASON } from './admin.js';

/** Runs before routing, in order; resolves true when it answered the request. It may change `req.headers`. */
export type HttpMiddleware = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

export type PipelineDeps = {
  functions(): FunctionInfo[];
  routePrefix(): string;
  /** host.json `extensions.http.customHeaders`, added to every function response. */
  customHeaders: Readonly<Record<string, string>>;
  /** The handler of `/runtime/webhooks/<name>` of a running extension. */
  webhook(name: string): ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
  baseUrl(): string;
  /** Resolves when the host is running; rejects after the host's 30 s start/restart wait. */
  whenRunning(): Promise<void>;
  invoke(fn: FunctionInfo, invocation: TriggerInvocation): Promise<InvocationResult>;
  cors: CorsPolicy;
  middleware: readonly HttpMiddleware[];
  homepageDisabled(): boolean;
  bodyLimit: number;
  /** host.json's `extensions.http` limits on function requests. */
  requestQueue: RequestQueue;
  logger: HostLogger;
};

/** Decodes each path segment but keeps an encoded '/' as text, as ASP.NET routing does. */
function decodePath(path: string): string {
  return path
    .split('/')
    .map((segment) => {
      try {
        return decodeURIComponent(segment.replace(/%2F/gi, '%252F'));
      } catch {
        return segment;
      }
    })
    .join('/');
}

/** The function route part of a path, or undefined when the path is outside the route prefix. */
function stripPrefix(path: string, prefix: string): string | undefined {
  if (prefix === '') return path.replace(/^\/+/, '');
  const lower = path.toLowerCase();
  const p = `/${prefix.toLowerCase()}`;
  if (lower === p || lower === `${p}/`) return '';
  return lower.startsWith(`${p}/`) ? path.slice(p.length + 1) : undefined;
}

function findRoute(
  functions: FunctionInfo[],
  routePath: string,
  method: string,
): { fn: FunctionInfo; params: Record<string, string> } | undefined {
  for (const fn of functions) {
    if (!fn.http || fn.disabled) continue;
    if (fn.http.methods && !fn.http.methods.includes(method)) continue;
    const params = fn.http.template.match(routePath);
    if (params) return { fn, params };
  }
  return undefined;
}

function empty(res: ServerResponse, status: number, body = ''): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.statusCode = status;
  res.setHeader('content-length', String(Buffer.byteLength(body)));
  res.end(body);
}

/** Reads the body, invokes the matched HTTP function and writes its response. */
async function runFunction(
  deps: PipelineDeps,
  request: {
    req: IncomingMessage;
    res: ServerResponse;
    url: URL;
    /** The headers as the client sent them, before middleware (Easy Auth) changed them. */
    headersBefore: IncomingMessage['headers'];
    match: { fn: FunctionInfo; params: Record<string, string> };
  },
): Promise<void> {
  const { req, res, url, headersBefore, match } = request;
  let body: Buffer | undefined;
  try {
    body = await readBody(req, deps.bodyLimit);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      res.setHeader('connection', 'close');
      empty(res, 413);
      return;
    }
    throw error;
  }
  const headers = collectHeaders(req, headersBefore);
  const query = collectQuery(url.searchParams);
  const http = toRpcHttpRequest({ req, url, headers, query, params: match.params, body });
  const result = await deps.invoke(match.fn, {
    triggerData: { http },
    bindingData: httpBindingData({ body, query, params: match.params, headers }),
    reason: ADMIN_INVOKE_REASON,
  });
  if (!result.succeeded) {
    empty(res, 500);
    return;
  }
  for (const [name, value] of Object.entries(deps.customHeaders)) res.setHeader(name, value);
  writeHttpResponse(res, result.httpResponse);
}

/** The host's HTTP pipeline: CORS, middleware, homepage, admin API, then function routes. */
export function createRequestPipeline(
  deps: PipelineDeps,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    try {
      if (applyCors(deps.cors, req, res)) return;
      const headersBefore = { ...req.headers };
      for (const middleware of deps.middleware) if (await middleware(req, res)) return;
      const url = new URL(req.url ?? '/', 'http://localhost');
      const method = (req.method ?? 'GET').toUpperCase();
      if (url.pathname === '/' && method === 'GET') {
        serveHomepage(res, deps.homepageDisabled());
        return;
      }
      try {
        await deps.whenRunning();
      } catch {
        empty(res, 503, 'Function host is not running.');
        return;
      }
      const admin = await handleAdminRequest(req, res, url.pathname, {
        functions: deps.functions,
        baseUrl: deps.baseUrl,
        routePrefix: deps.routePrefix,
        bodyLimit: deps.bodyLimit,
        invoke: (fn, invocation) => void deps.invoke(fn, invocation),
      });
      if (admin) return;
      const webhook = /^\/runtime\/webhooks\/([^/]+)\/?$/i.exec(url.pathname);
      if (webhook) {
        const handler = deps.webhook(decodeURIComponent(webhook[1] as string));
        if (handler) await handler(req, res);
        else empty(res, 404);
        return;
      }
      const routePath = stripPrefix(decodePath(url.pathname), deps.routePrefix());
      const match = routePath === undefined ? undefined : findRoute(deps.functions(), routePath, method);
      if (!match) {
        empty(res, 404);
        return;
      }
      const ran = await deps.requestQueue.run(() => runFunction(deps, { req, res, url, headersBefore, match }));
      if (!ran) empty(res, 429);
    } catch (error) {
      deps.logger.log({
        level: 'error',
        category: 'Host.General',
        message: `Unhandled error while serving ${req.method} ${req.url}: ${(error as Error).stack ?? String(error)}`,
      });
      empty(res, 500);
    }
  };
}
