import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FunctionInfo } from '../core/functionIndex.js';
import type { FunctionErrors } from '../core/functionErrors.js';
import type { InvocationResult, TriggerInvocation } from '../core/invocation.js';
import type { HostLogger } from '../core/logger.js';
import { sendProblem } from '../../shared/problemJson.js';
import { ADMIN_INVOKE_REASON, handleAdminRequest, type AdminDeps, type AdminEndpoint } from './admin.js';
import { applyCors, type CorsPolicy } from './cors.js';
import { serveHomepage } from './homepage.js';
import { httpBindingData } from './httpBindingData.js';
import { BodyTooLargeError, readBody } from './readBody.js';
import type { RequestQueue } from './requestQueue.js';
import { collectHeaders, collectQuery, toRpcHttpRequest } from './toRpcHttpRequest.js';
import { hostProblems } from './hostProblems.js';
import { resolveRequestTarget } from '../../shared/requestTarget.js';
import { writeHttpResponse } from './writeHttpResponse.js';
import { toRpcMetadata } from '../codec/index.js';
import type { Telemetry } from '../../telemetry/index.js';
import { requestParent, traceRequest } from './requestTelemetry.js';

/**
 * Runs before routing, in order; resolves true when it answered the request. It may change `req.headers`. `url` is
 * the request's URL on its checked host: route on it, not on `req.url`.
 */
export type HttpMiddleware = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;

export type PipelineDeps = {
  /** The functions that run (routing reads these). */
  functions(): FunctionInfo[];
  /** The functions in error (the admin API lists and reports them). */
  functionErrors(): FunctionErrors;
  routePrefix(): string;
  /** host.json `extensions.http.customHeaders`, added to every function response. */
  customHeaders: Readonly<Record<string, string>>;
  /** Whether the app streams HTTP (its workers serve HTTP themselves). */
  streaming(): boolean;
  /** The handler of `/runtime/webhooks/<name>` of a running extension. */
  webhook(name: string): ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
  /** The endpoint of `/admin/<name>` of a running extension. */
  extensionAdmin(name: string): AdminEndpoint | undefined;
  baseUrl(): string;
  /** Resolves when the host is running; rejects, with why it is not, after the host's 30 s start/restart wait. */
  whenRunning(): Promise<void>;
  invoke(fn: FunctionInfo, invocation: TriggerInvocation): Promise<InvocationResult>;
  cors: CorsPolicy;
  middleware: readonly HttpMiddleware[];
  homepageDisabled(): boolean;
  bodyLimit: number;
  /** host.json's `extensions.http` limits on function requests. */
  requestQueue: RequestQueue;
  logger: HostLogger;
  /** Host names served besides the local ones (see isAllowedHost). */
  allowedHosts: readonly string[];
  /** Needed by the admin API. */
  masterKey: string;
  telemetry: Telemetry;
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

type RouteMatch = { fn: FunctionInfo; params: Record<string, string> };

/** The first function whose template and methods match; else the methods the path would answer. */
function findRoute(functions: FunctionInfo[], routePath: string, method: string): RouteMatch | { allow: string[] } {
  const allow = new Set<string>();
  for (const fn of functions) {
    if (!fn.http || fn.disabled) continue;
    const params = fn.http.template.match(routePath);
    if (!params) continue;
    if (!fn.http.methods || fn.http.methods.includes(method)) return { fn, params };
    for (const m of fn.http.methods) allow.add(m);
  }
  return { allow: [...allow].sort() };
}

/**
 * HTTP streaming: the request is not read here; it goes to the worker as it arrives, and the worker writes the
 * response. The invocation carries only the method, URL and route values, and the trigger metadata the library
 * takes the headers and parameters from (the host's binding data: query values, route values, Query, Headers).
 */
async function streamFunction(
  deps: PipelineDeps,
  request: {
    req: IncomingMessage;
    res: ServerResponse;
    url: URL;
    match: { fn: FunctionInfo; params: Record<string, string> };
  },
  headers: Record<string, string>,
): Promise<void> {
  const { req, res, url, match } = request;
  const query = collectQuery(url.searchParams);
  const http = toRpcHttpRequest({ req, url, headers: {}, query: {}, params: match.params, body: undefined });
  const result = await deps.invoke(match.fn, {
    triggerData: { http },
    triggerMetadata: toRpcMetadata({ ...query, ...match.params, Query: query, Headers: headers }),
    bindingData: httpBindingData({ body: undefined, query, params: match.params, headers }),
    reason: ADMIN_INVOKE_REASON,
    parent: requestParent(deps.telemetry, req),
    stream: { req, res, extraHeaders: deps.customHeaders },
  });
  if (!result.succeeded)
    sendProblem(res, hostProblems.invocationFailed(match.fn.name, result.invocationId, result.error));
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
    match: RouteMatch;
  },
): Promise<void> {
  const { req, res, url, headersBefore, match } = request;
  if (deps.streaming()) return streamFunction(deps, request, collectHeaders(req, headersBefore));
  let body: Buffer | undefined;
  try {
    body = await readBody(req, deps.bodyLimit);
  } catch (error) {
    if (error instanceof BodyTooLargeError) {
      sendProblem(res, hostProblems.bodyTooLarge(deps.bodyLimit));
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
    parent: requestParent(deps.telemetry, req),
  });
  if (!result.succeeded) {
    sendProblem(res, hostProblems.invocationFailed(match.fn.name, result.invocationId, result.error));
    return;
  }
  for (const [name, value] of Object.entries(deps.customHeaders)) res.setHeader(name, value);
  writeHttpResponse(res, result.httpResponse);
}

/** The host's HTTP pipeline: Host check, CORS, middleware, homepage, admin API, then function routes. */
export function createRequestPipeline(
  deps: PipelineDeps,
): (req: IncomingMessage, res: ServerResponse) => Promise<void> {
  return async (req, res) => {
    try {
      const target = resolveRequestTarget(req, deps.allowedHosts);
      if ('problem' in target) return sendProblem(res, target.problem);
      const { url } = target;
      req.headers.host = url.host; // what later parts compare origins with: the checked name
      const span = traceRequest(deps.telemetry, { req, res, url }, deps.routePrefix());
      if (applyCors(deps.cors, req, res)) return;
      const headersBefore = { ...req.headers };
      for (const middleware of deps.middleware) if (await middleware(req, res, url)) return;
      const method = (req.method ?? 'GET').toUpperCase();
      if (url.pathname === '/' && method === 'GET') return serveHomepage(res, deps.homepageDisabled());
      try {
        await deps.whenRunning();
      } catch (error) {
        return sendProblem(res, hostProblems.hostNotRunning((error as Error).message));
      }
      if (await handleAdminRequest(req, res, url, adminDeps(deps))) return;
      const webhook = /^\/runtime\/webhooks\/([^/]+)\/?$/i.exec(url.pathname);
      if (webhook) {
        const handler = deps.webhook(decodePath(webhook[1] as string));
        if (handler) await handler(req, res);
        else sendProblem(res, hostProblems.notFound(url.pathname));
        return;
      }
      const routePath = stripPrefix(decodePath(url.pathname), deps.routePrefix());
      const match = routePath === undefined ? { allow: [] } : findRoute(deps.functions(), routePath, method);
      if ('allow' in match) return sendProblem(res, hostProblems.noFunction(url.pathname, method, match.allow));
      if (span) {
        const route = `/${[deps.routePrefix(), match.fn.http!.route].filter((p) => p !== '').join('/')}`;
        span.rename(`${method} ${route}`);
        span.set({ 'http.route': route, 'faas.name': match.fn.name });
      }
      const ran = await deps.requestQueue.run(() => runFunction(deps, { req, res, url, headersBefore, match }));
      if (!ran) sendProblem(res, hostProblems.throttled());
    } catch (error) {
      // The client went away while its body was read: nobody to answer, and nothing here failed.
      if (req.destroyed && (error as NodeJS.ErrnoException).code === 'ECONNRESET') return void res.destroy();
      deps.logger.log({
        level: 'error',
        category: 'Host.General',
        message: `Unhandled error while serving ${req.method} ${req.url}: ${(error as Error).stack ?? String(error)}`,
      });
      sendProblem(res, hostProblems.unexpected());
    }
  };
}

function adminDeps(deps: PipelineDeps): AdminDeps {
  return {
    functions: deps.functions,
    functionErrors: deps.functionErrors,
    baseUrl: deps.baseUrl,
    routePrefix: deps.routePrefix,
    bodyLimit: deps.bodyLimit,
    masterKey: deps.masterKey,
    trustedOrigins: deps.cors.origins,
    invoke: (fn, invocation) => void deps.invoke(fn, invocation),
    parentOf: (req) => requestParent(deps.telemetry, req),
    extension: deps.extensionAdmin,
  };
}
