import { HttpRequest, InvocationContext, type HttpResponseInit } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { installCoreModule, type RegisteredFunction } from '../../local/worker/core/coreModule.js';

// The library looks up `@azure/functions-core` lazily, at the first registration, and stays in "test mode"
// forever if it is missing then; installing here, before any function file is imported, is early enough.
const registry = installCoreModule();

const FUNCTIONS_DIR = new URL('../../src/functions/', import.meta.url);

let loading: Promise<void> | undefined;

/** Imports every file under src/functions once, as the worker loads `main`; they register into the registry. */
export async function loadFunctionsApp(): Promise<void> {
  loading ??= (async () => {
    const files = (await readdir(fileURLToPath(FUNCTIONS_DIR))).filter((f) => f.endsWith('.ts')).sort();
    for (const file of files) await import(new URL(file, FUNCTIONS_DIR).href);
  })();
  return loading;
}

export function registeredFunction(name: string): RegisteredFunction {
  const fn = registry.functions.get(name);
  if (!fn) throw new Error(`Function ${name} is not registered; did loadFunctionsApp() run?`);
  return fn;
}

export type LogEntry = { level: string; message: string };

/** A real InvocationContext whose logs are kept for assertions instead of going to the console. */
export function invocationContext(
  functionName: string,
  triggerMetadata: Record<string, unknown> = {},
): InvocationContext & { logs: LogEntry[] } {
  const logs: LogEntry[] = [];
  const context = new InvocationContext({
    functionName,
    invocationId: randomUUID(),
    triggerMetadata,
    logHandler: (level, ...args) => logs.push({ level, message: args.map(String).join(' ') }),
  });
  return Object.assign(context, { logs });
}

/** Calls the user handler the function registered, exactly as the worker's invocation model would. */
export async function invoke(name: string, trigger: unknown, context: InvocationContext): Promise<unknown> {
  const callback = registeredFunction(name).callback as (trigger: unknown, context: InvocationContext) => unknown;
  return await callback(trigger, context);
}

export async function invokeHttp(name: string, request: HttpRequest, context = invocationContext(name)) {
  const response = (await invoke(name, request, context)) as HttpResponseInit;
  return { response, context };
}

export type RequestInit = {
  method: string;
  path: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON (with a JSON content type unless one is given); a string is sent as is. */
  body?: unknown;
  params?: Record<string, string>;
};

export function httpRequest({ method, path, headers = {}, body, params }: RequestInit): HttpRequest {
  const isText = typeof body === 'string';
  const allHeaders =
    body === undefined || isText || Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')
      ? headers
      : { 'content-type': 'application/json', ...headers };
  return new HttpRequest({
    method,
    url: `http://localhost:7071/api/${path}`,
    headers: allHeaders,
    ...(body === undefined ? {} : { body: { string: isText ? body : JSON.stringify(body) } }),
    ...(params ? { params } : {}),
  });
}

/** The headers Easy Auth puts on a signed-in user's requests. */
export function signedInAs(userId: string, name = `${userId}@example.test`): Record<string, string> {
  const principal = {
    auth_typ: 'aad',
    claims: [
      { typ: 'name', val: name },
      { typ: 'roles', val: 'customer' },
    ],
    name_typ: 'name',
    role_typ: 'roles',
  };
  return {
    'x-ms-client-principal': Buffer.from(JSON.stringify(principal)).toString('base64'),
    'x-ms-client-principal-id': userId,
    'x-ms-client-principal-name': name,
    'x-ms-client-principal-idp': 'aad',
  };
}

/** The JSON body of a handler's response, whichever way the handler gave it. */
export function responseJson(response: HttpResponseInit): unknown {
  if (response.jsonBody !== undefined) return response.jsonBody;
  if (typeof response.body === 'string') return JSON.parse(response.body) as unknown;
  throw new Error('The response has no JSON body.');
}

export function responseHeader(response: HttpResponseInit, name: string): string | null {
  return new Headers(response.headers as Record<string, string> | undefined).get(name);
}
