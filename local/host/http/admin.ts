import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendProblem, type Problem } from '../../shared/problemJson.js';
import { hasMasterKey } from '../../shared/masterKey.js';
import { crossSiteRefusal } from '../../shared/requestOrigin.js';
import { HOST_VERSION } from '../core/hostVersion.js';
import { compareNames, type FunctionInfo } from '../core/functionIndex.js';
import type { FunctionErrors } from '../core/functionErrors.js';
import type { TriggerInvocation } from '../core/invocation.js';
import { hostProblems } from './hostProblems.js';
import { BodyTooLargeError, readBody } from './readBody.js';
import type { SpanParent } from '../../telemetry/index.js';

export const ADMIN_INVOKE_REASON = 'This function was programmatically called via the host APIs.';

/**
 * An extension's own admin path, `/admin/<extension name>`, answering any method (the handler checks what it
 * takes). It needs the master key like the rest of the admin API unless `anonymous`.
 */
export type AdminEndpoint = {
  anonymous?: boolean;
  handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
};

export type AdminDeps = {
  /** The functions that run. */
  functions(): FunctionInfo[];
  /** The functions in error: listed and reported, never invoked. */
  functionErrors(): FunctionErrors;
  baseUrl(): string;
  routePrefix(): string;
  /** Fire-and-forget invocation of a non-HTTP function. */
  invoke(fn: FunctionInfo, invocation: TriggerInvocation): void;
  bodyLimit: number;
  /** The host's master key: every admin endpoint but ping needs it, as in Azure. */
  masterKey: string;
  /** Origins besides the host's own that may send state-changing admin requests (Host.CORS). */
  trustedOrigins: readonly string[];
  /** What an admin invocation continues: the admin request's trace. */
  parentOf(req: IncomingMessage): SpanParent;
  /** The endpoint a running extension has at `/admin/<name>`. */
  extension(name: string): AdminEndpoint | undefined;
};

type AdminRequest = { req: IncomingMessage; res: ServerResponse; url: URL; deps: AdminDeps };
/** `methods` undefined: any method. */
type Endpoint = { methods?: readonly string[]; needsKey: boolean; handle(request: AdminRequest): Promise<void> | void };

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  const body = Buffer.from(JSON.stringify(value));
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': body.length,
    'cache-control': 'no-store',
  });
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

const ping: Endpoint = {
  methods: ['GET', 'POST'],
  needsKey: false, // the Functions host answers ping anonymously: it tells nothing and changes nothing
  handle: ({ res }) => void res.writeHead(200, { 'content-length': 0, 'cache-control': 'no-store' }).end(),
};

const status: Endpoint = {
  methods: ['GET'],
  needsKey: true,
  handle: ({ res }) =>
    sendJson(res, 200, { state: 'Running', version: HOST_VERSION, processUptime: Math.round(process.uptime() * 1000) }),
};

/** The function metadata, as Azure's list and detail read it: the functions in error that were indexed too. */
const metadata = (deps: AdminDeps): FunctionInfo[] =>
  [...deps.functions(), ...deps.functionErrors().indexed].sort(compareNames);

const findIn = (functions: FunctionInfo[], name: string): FunctionInfo | undefined =>
  functions.find((f) => f.name.toLowerCase() === name.toLowerCase());

const list: Endpoint = {
  methods: ['GET'],
  needsKey: true,
  handle: ({ res, deps }) =>
    sendJson(
      res,
      200,
      metadata(deps).map((fn) => describe(fn, deps)),
    ),
};

/** `{"errors":[…]}` for a function in error, `{}` for one without, 404 for an unknown name (Azure's FunctionStatus). */
function statusEndpoint(name: string): Endpoint {
  return {
    methods: ['GET'],
    needsKey: true,
    handle({ res, url, deps }) {
      const errors = deps.functionErrors().messages(name);
      if (errors) return sendJson(res, 200, { errors });
      if (!findIn(metadata(deps), name)) return sendProblem(res, hostProblems.notFound(url.pathname));
      sendJson(res, 200, {});
    },
  };
}

function functionEndpoint(name: string): Endpoint {
  return {
    methods: ['GET', 'POST'],
    needsKey: true,
    async handle({ req, res, url, deps }) {
      if (req.method === 'GET') {
        const fn = findIn(metadata(deps), name);
        return fn ? sendJson(res, 200, describe(fn, deps)) : sendProblem(res, hostProblems.notFound(url.pathname));
      }
      // Only a function that runs has a descriptor to invoke: one in error is not found, as in Azure.
      const fn = findIn(deps.functions(), name);
      if (!fn) return sendProblem(res, hostProblems.notFound(url.pathname));
      const refusal = crossSiteRefusal(req, deps.trustedOrigins);
      if (refusal) return sendProblem(res, hostProblems.crossSite('The admin API', refusal));
      const input = await readInput(req, deps.bodyLimit);
      if (typeof input !== 'string') return sendProblem(res, input);
      if (fn.http) return sendProblem(res, hostProblems.adminBody(`'${fn.name}' is an HTTP function; call its URL.`));
      deps.invoke(fn, {
        triggerData: { string: input },
        reason: ADMIN_INVOKE_REASON,
        adminInput: input,
        parent: deps.parentOf(req),
      });
      res.writeHead(202, { 'content-length': 0 }).end();
    },
  };
}

async function readInput(req: IncomingMessage, limit: number): Promise<string | Problem> {
  let text: string;
  try {
    text = (await readBody(req, limit)).toString('utf8');
  } catch (error) {
    if (error instanceof BodyTooLargeError) return hostProblems.bodyTooLarge(limit);
    throw error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const input = typeof value === 'object' && value !== null ? (value as { input?: unknown }).input : undefined;
  return typeof input === 'string'
    ? input
    : hostProblems.adminBody('The request body must be a JSON object with a string "input" property.');
}

function extensionEndpoint(name: string, deps: AdminDeps): Endpoint | undefined {
  const endpoint = deps.extension(name);
  if (!endpoint) return undefined;
  return {
    needsKey: !endpoint.anonymous,
    handle({ req, res }) {
      // An extension's endpoint may run a function on any method (warmup does, without a key): a page on another
      // site must not be able to make it, even with a plain link.
      const refusal = crossSiteRefusal(req, deps.trustedOrigins);
      if (refusal) return sendProblem(res, hostProblems.crossSite('The admin API', refusal));
      return endpoint.handle(req, res);
    },
  };
}

function findEndpoint(segments: string[], deps: AdminDeps): Endpoint | undefined {
  const [area, name, more] = segments.map((s) => s.toLowerCase());
  if (area === 'host' && segments.length === 2) return name === 'ping' ? ping : name === 'status' ? status : undefined;
  if (area !== undefined && area !== 'functions' && segments.length === 1) return extensionEndpoint(area, deps);
  if (area !== 'functions' || segments.length > 3 || (more !== undefined && more !== 'status')) return undefined;
  if (segments[1] === undefined) return list;
  try {
    const fn = decodeURIComponent(segments[1]);
    return more === 'status' ? statusEndpoint(fn) : functionEndpoint(fn);
  } catch {
    return undefined;
  }
}

/**
 * The host's admin API subset: function list/detail/status, admin invoke (202), host status and ping, extensions'
 * own.
 */
export async function handleAdminRequest(
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  deps: AdminDeps,
): Promise<boolean> {
  const segments = url.pathname.replace(/^\/+|\/+$/g, '').split('/');
  if (segments[0]?.toLowerCase() !== 'admin') return false;
  const endpoint = findEndpoint(segments.slice(1), deps);
  const method = (req.method ?? 'GET').toUpperCase();
  if (!endpoint) sendProblem(res, hostProblems.notFound(url.pathname));
  else if (endpoint.methods && !endpoint.methods.includes(method)) {
    sendProblem(res, hostProblems.methodNotAllowed(method, url.pathname, endpoint.methods));
  } else if (endpoint.needsKey && !hasMasterKey(req, deps.masterKey, url)) {
    sendProblem(res, hostProblems.masterKeyRequired());
  } else await endpoint.handle({ req, res, url, deps });
  return true;
}
