import type { RpcFunctionMetadata, RpcRetryOptions } from '../../rpc/types.js';
import { compileRouteTemplate, type RouteTemplate } from './routeTemplate.js';

/** One binding as the host sees it (`rawBindings` entry): its user properties plus name, type, direction. */
export type BindingInfo = {
  name: string;
  type: string;
  direction: 'in' | 'out' | 'inout';
  [property: string]: unknown;
};

export type HttpRouteInfo = {
  /** The route as declared (or the function name), printed in the function list. */
  route: string;
  /** Upper-case methods; undefined = every method. */
  methods: string[] | undefined;
  template: RouteTemplate;
};

export type FunctionInfo = {
  name: string;
  /** The worker's id for the function (invocation requests name it). */
  functionId: string;
  bindings: BindingInfo[];
  /** The bindings as JSON, the worker's `rawBindings`. */
  rawBindings: string[];
  trigger: BindingInfo;
  /** The entry point file that registered it (`scriptFile`). */
  scriptFile: string | undefined;
  disabled: boolean;
  http: HttpRouteInfo | undefined;
  retryOptions: RpcRetryOptions | undefined;
};

/**
 * A function the host cannot run, and why: logged as `The '<name>' function is in error: <message>`. `function` is
 * set when it passed metadata validation: like Azure's, the function metadata (the admin API) keeps it, though no
 * route or trigger ever runs it.
 */
export type FunctionError = { name: string; message: string; function?: FunctionInfo };

export type IndexResult = { functions: FunctionInfo[]; errors: FunctionError[] };

const FUNCTION_NAME = /^[a-z][a-z0-9_-]{0,127}$/i;
const BINDING_NAME = /^[a-zA-Z][a-zA-Z0-9]{0,127}$/;

export const isTriggerType = (type: string): boolean => /trigger$/i.test(type);

function validateRetry(retry: RpcRetryOptions | undefined): void {
  if (!retry) return;
  if (retry.maxRetryCount === undefined || retry.maxRetryCount === null) {
    throw new Error("The 'maxRetryCount' property of the retry options is required.");
  }
  if (retry.retryStrategy === 'fixedDelay' && !retry.delayInterval) {
    throw new Error("The 'delayInterval' property is required for the fixedDelay retry strategy.");
  }
  if (retry.retryStrategy === 'exponentialBackoff' && (!retry.minimumInterval || !retry.maximumInterval)) {
    throw new Error("The 'minimumInterval' and 'maximumInterval' properties are required for exponentialBackoff.");
  }
}

function toBindings(metadata: RpcFunctionMetadata): BindingInfo[] {
  // The host reads only rawBindings: JSON of each binding with its key as `name`.
  return metadata.rawBindings.map((raw) => JSON.parse(raw) as BindingInfo);
}

function httpRoute(name: string, trigger: BindingInfo): HttpRouteInfo {
  const route = typeof trigger.route === 'string' && trigger.route.trim() !== '' ? trigger.route : name;
  const rawMethods = Array.isArray(trigger.methods)
    ? (trigger.methods as unknown[]).map((m) => String(m).toUpperCase())
    : [];
  return { route, methods: rawMethods.length > 0 ? rawMethods : undefined, template: compileRouteTemplate(route) };
}

function describe(metadata: RpcFunctionMetadata, isDisabled: (name: string) => boolean): FunctionInfo {
  const name = metadata.name;
  if (!FUNCTION_NAME.test(name) || name.toLowerCase() === 'host')
    throw new Error(`'${name}' is not a valid function name.`);
  const bindings = toBindings(metadata);
  if (bindings.length === 0) throw new Error('No bindings defined for the function.');
  const seen = new Set<string>();
  for (const b of bindings) {
    if (b.name === '$return') {
      if (b.direction !== 'out') throw new Error(`${b.name} bindings must specify a direction of 'out'.`);
    } else if (!BINDING_NAME.test(b.name)) {
      throw new Error(`The binding name ${b.name} is invalid. Please assign a valid name to the binding.`);
    }
    if (typeof b.type !== 'string' || b.type === '') throw new Error(`The binding '${b.name}' has no type.`);
    const key = b.name.toLowerCase();
    if (seen.has(key))
      throw new Error(`Multiple bindings with name '${b.name}' discovered. Binding names must be unique.`);
    seen.add(key);
  }
  const triggers = bindings.filter((b) => isTriggerType(b.type) && b.direction === 'in');
  if (triggers.length === 0)
    throw new Error('No trigger binding specified. A function must have a trigger input binding.');
  if (triggers.length > 1)
    throw new Error('Multiple trigger bindings defined. A function can only have a single trigger binding.');
  const trigger = triggers[0] as BindingInfo;
  const retryOptions = metadata.retryOptions ?? undefined;
  validateRetry(retryOptions);
  return {
    name,
    functionId: metadata.functionId,
    bindings,
    rawBindings: metadata.rawBindings,
    trigger,
    scriptFile: metadata.scriptFile ?? undefined,
    disabled: isDisabled(name),
    http: trigger.type.toLowerCase() === 'httptrigger' ? httpRoute(name, trigger) : undefined,
    retryOptions,
  };
}

function methodsIntersect(a: string[] | undefined, b: string[] | undefined): boolean {
  return !a || !b || a.some((m) => b.includes(m));
}

const normalizedRoute = (http: HttpRouteInfo): string => http.route.replace(/^\/+|\/+$/g, '').toLowerCase();

/** Function names in the host's order: ignoring case, which is also the route order. */
export function compareNames(a: FunctionInfo, b: FunctionInfo): number {
  const x = a.name.toUpperCase();
  const y = b.name.toUpperCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Why an HTTP function's route cannot be served next to the `accepted` ones (Azure's descriptor-time checks). */
function routeError(fn: FunctionInfo, accepted: readonly FunctionInfo[]): string | undefined {
  if (!fn.http) return undefined;
  const route = normalizedRoute(fn.http);
  if (route.startsWith('admin') || route.startsWith('runtime')) {
    return 'The specified route conflicts with one or more built in routes.';
  }
  const clash = accepted.find(
    (other) =>
      other.http && normalizedRoute(other.http) === route && methodsIntersect(other.http.methods, fn.http?.methods),
  );
  return clash ? `The route specified conflicts with the route defined by function '${clash.name}'.` : undefined;
}

/**
 * Host-side validation of the registered functions (WorkerFunctionMetadataProvider rules): invalid ones are left
 * out with the host's message; the rest are sorted by name, case-insensitively, which is also the route order. A
 * route the host cannot serve puts its function in error too, but it stays in the metadata, as in Azure, where that
 * check comes later (ScriptHost.ValidateFunction).
 */
export function indexFunctions(
  reported: Iterable<RpcFunctionMetadata>,
  isDisabled: (name: string) => boolean,
): IndexResult {
  const errors: FunctionError[] = [];
  const valid: FunctionInfo[] = [];
  for (const fn of reported) {
    try {
      valid.push(describe(fn, isDisabled));
    } catch (error) {
      errors.push({ name: fn.name, message: (error as Error).message });
    }
  }
  valid.sort(compareNames);
  const functions: FunctionInfo[] = [];
  for (const fn of valid) {
    const message = routeError(fn, functions);
    if (message === undefined) functions.push(fn);
    else errors.push({ name: fn.name, message, function: fn });
  }
  return { functions, errors };
}
