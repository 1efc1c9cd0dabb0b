import type { IncomingMessage, ServerResponse } from 'node:http';
import { HOST_VERSION } from '../core/hostVersion.js';
import type { FunctionInfo } from '../core/functionIndex.js';
import type { TriggerInvocation } from '../core/invocation.js';
import { readBody } from './readBody.js';

export const ADMIN_INVOKE_REASON = 'This function was programmatically called via the host APIs.';

export type AdminDeps = {
  functions(): FunctionInfo[];
  baseUrl(): string;
  routePrefix(): string;
  /** Fire-and-forget invocation of a non-HTTP function. */
  invoke(fn: FunctionInfo, invocation: TriggerInvocation): void;
  bodyLimit: number;
};

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
  res.end(body);
}

function describe(fn: FunctionInfo, deps: AdminDeps): Record<string, unknown> {
  const prefix = deps.routePrefix();
  return {
    name: fn.name,
    language: 'node',
    isDisabled: fn.disabled,
    config: { bindings: fn.bindings },
    script_href: fn.scriptFile,
    invoke_url_template: fn.http ? `${deps.baseUrl()}/${prefix ? `${prefix}/` : ''}${fn.http.route}` : null,
  };
}

/** The host's admin API subset: function list/detail, admin invoke (202), host status and ping. */
export async function handleAdminRequest(
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
  deps: AdminDeps,
): Promise<boolean> {
  const segments = path.replace(/^\/+|\/+$/g, '').split('/');
  if (segments[0]?.toLowerCase() !== 'admin') return false;
  const area = segments[1]?.toLowerCase();
  const method = req.method ?? 'GET';
  if (area === 'host' && segments[2]?.toLowerCase() === 'ping' && (method === 'GET' || method === 'POST')) {
    res.writeHead(200, { 'content-length': 0 }).end();
    return true;
  }
  if (area === 'host' && segments[2]?.toLowerCase() === 'status' && method === 'GET') {
    sendJson(res, 200, { state: 'Running', version: HOST_VERSION, processUptime: Math.round(process.uptime() * 1000) });
    return true;
  }
  if (area !== 'functions' || segments.length > 3) return false;
  const name = segments[2];
  if (name === undefined) {
    if (method !== 'GET') return false;
    sendJson(
      res,
      200,
      deps.functions().map((fn) => describe(fn, deps)),
    );
    return true;
  }
  const fn = deps.functions().find((f) => f.name.toLowerCase() === decodeURIComponent(name).toLowerCase());
  if (method === 'GET') {
    if (fn) sendJson(res, 200, describe(fn, deps));
    else res.writeHead(404, { 'content-length': 0 }).end();
    return true;
  }
  if (method !== 'POST') return false;
  if (!fn) {
    res.writeHead(404, { 'content-length': 0 }).end();
    return true;
  }
  let input: unknown;
  try {
    input = (JSON.parse((await readBody(req, deps.bodyLimit)).toString('utf8')) as Record<string, unknown>).input;
  } catch {
    input = undefined;
  }
  if (typeof input !== 'string') {
    sendJson(res, 400, { message: 'The request body must be a JSON object with a string "input" property.' });
    return true;
  }
  if (fn.http) {
    sendJson(res, 400, { message: `'${fn.name}' is an HTTP function; call it at its URL instead.` });
    return true;
  }
  deps.invoke(fn, { triggerData: { string: input }, reason: ADMIN_INVOKE_REASON, adminInput: input });
  res.writeHead(202, { 'content-length': 0 }).end();
  return true;
}
