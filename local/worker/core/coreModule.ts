import Module from 'node:module';
import { Disposable } from './disposable.js';
import type { FunctionMetadata, RpcLogCategory, RpcLogLevel } from '../../rpc/types.js';
import type { FunctionCallback, HookCallback, HookName, ProgrammingModel } from './types.js';

export const CORE_MODULE_NAME = '@azure/functions-core';
/** The worker version we impersonate: new enough that the library enables log hooks and `coreApi.log`. */
export const WORKER_VERSION = '3.12.0';

export type RegisteredFunction = {
  functionId: string;
  metadata: FunctionMetadata;
  callback: FunctionCallback;
  /** File that registered it, as the worker records it (`scriptFile`). */
  entryPoint: string | undefined;
  /** Each binding as JSON with its key as `name`, made at registration: what the host reads. */
  rawBindings: string[];
};

export type SystemLogListener = (level: RpcLogLevel, category: RpcLogCategory, message: string) => void;

const HOOK_NAMES: readonly HookName[] = ['preInvocation', 'postInvocation', 'appStart', 'appTerminate', 'log'];

/**
 * What the Azure Node worker keeps for one loaded app: registered functions, hooks, the programming model.
 * `reset()` starts a new generation (hot reload) without touching the module cache of `@azure/functions`.
 */
export class CoreRegistry {
  readonly functions = new Map<string, RegisteredFunction>();
  readonly hooks = new Map<HookName, HookCallback[]>(HOOK_NAMES.map((n) => [n, []]));
  programmingModel: ProgrammingModel | undefined;
  currentEntryPoint: string | undefined;
  /** The host's version, from its WorkerInitRequest. */
  hostVersion: string | undefined;
  #indexingLocked = false;
  #logListener: SystemLogListener | undefined;

  /** The object handed out for `require('@azure/functions-core')`. */
  readonly api = this.#createApi();

  #createApi() {
    const hostVersion = (): string => {
      if (this.hostVersion === undefined) throw new Error('Cannot access hostVersion before worker init');
      return this.hostVersion;
    };
    return {
      version: WORKER_VERSION,
      get hostVersion(): string {
        return hostVersion();
      },
      registerFunction: (metadata: FunctionMetadata, callback: FunctionCallback): Disposable =>
        this.#registerFunction(metadata, callback),
      registerHook: (name: string, callback: HookCallback): Disposable => this.#registerHook(name, callback),
      setProgrammingModel: (model: ProgrammingModel): void => {
        this.programmingModel = model;
        this.#logListener?.(
          'information',
          'system',
          `Setting Node.js programming model to "${model.name}" version "${model.version}"`,
        );
      },
      getProgrammingModel: (): ProgrammingModel | undefined => this.programmingModel,
      log: (level: RpcLogLevel, category: RpcLogCategory, message: string): void => {
        this.#logListener?.(level, category, message);
      },
      Disposable,
    };
  }

  onSystemLog(listener: SystemLogListener | undefined): void {
    this.#logListener = listener;
  }

  /** After this, registrations throw, as they do once the worker has answered the metadata request. */
  lockIndexing(): void {
    this.#indexingLocked = true;
  }

  reset(): void {
    this.functions.clear();
    for (const list of this.hooks.values()) list.length = 0;
    this.currentEntryPoint = undefined;
    this.#indexingLocked = false;
  }

  #registerFunction(metadata: FunctionMetadata, callback: FunctionCallback): Disposable {
    if (this.#indexingLocked) throw new Error('A function can only be registered during app startup.');
    const functionId = metadata.functionId || metadata.name;
    if (this.functions.has(functionId)) {
      throw new Error(`A function with id "${functionId}" has already been registered.`);
    }
    const rawBindings = Object.entries(metadata.bindings).map(([name, binding]) =>
      JSON.stringify({ ...binding, name }),
    );
    this.functions.set(functionId, { functionId, metadata, callback, entryPoint: this.currentEntryPoint, rawBindings });
    return new Disposable(() => {
      if (this.#indexingLocked) throw new Error('A function can only be disposed during app startup.');
      this.functions.delete(functionId);
    });
  }

  #registerHook(name: string, callback: HookCallback): Disposable {
    const list = this.hooks.get(name as HookName);
    if (!list) throw new RangeError(`Unrecognized hook "${name}"`);
    list.push(callback);
    return new Disposable(() => {
      const index = list.indexOf(callback);
      if (index >= 0) list.splice(index, 1);
    });
  }
}

let installed: CoreRegistry | undefined;

/**
 * Makes `require('@azure/functions-core')` answer with the registry's API, the way the worker patches
 * `Module.prototype.require`. Must run before `@azure/functions` first asks for it: the library caches a miss
 * and falls into "test mode" for the life of the process. Idempotent; returns the process-wide registry.
 */
export function installCoreModule(): CoreRegistry {
  if (installed) return installed;
  const registry = new CoreRegistry();
  const proto = Module.prototype as unknown as { require: (id: string) => unknown };
  const originalRequire = proto.require;
  proto.require = new Proxy(originalRequire, {
    apply(target, thisArg, args: [string]) {
      if (args[0] === CORE_MODULE_NAME) return registry.api;
      return Reflect.apply(target, thisArg, args);
    },
  });
  installed = registry;
  return registry;
}
