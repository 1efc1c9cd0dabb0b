import { randomUUID } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import type { CoreRegistry } from './core/coreModule.js';
import type {
  CoreInvocationContext,
  FunctionCallback,
  RpcHttpData,
  RpcLogCategory,
  RpcLogLevel,
  RpcParameterBinding,
  RpcTypedData,
} from './core/types.js';
import type { BindingContext } from './bindings/adapter.js';
import type { BindingRegistry } from './bindings/registry.js';
import { resolveBinding, type BindingData } from './bindingExpressions.js';
import type { BindingInfo, FunctionInfo } from './functionIndex.js';
import { OutputBindingError, toInvocationError } from './invocationError.js';
import type { HostLogger, LogLevel } from './logger.js';
import { newTraceParent } from './traceParent.js';

/** One trigger firing, as a trigger adapter (or the HTTP pipeline) hands it to the host. */
export type TriggerInvocation = {
  /** The trigger binding's value, as the extension would send it to the worker. */
  triggerData: RpcTypedData;
  triggerMetadata?: Record<string, RpcTypedData>;
  /** Values for `{expressions}` in the other bindings (case-insensitive keys, dotted paths). */
  bindingData?: BindingData;
  /** The `Reason='...'` of the Executing line. */
  reason: string;
  /** Extra lines logged after Executing (e.g. Service Bus "Trigger Details"). */
  details?: string;
};

export type InvocationResult =
  | {
      invocationId: string;
      succeeded: true;
      httpResponse: RpcHttpData | undefined;
      /** The worker's return value (a trigger such as signalRTrigger turns it into its reply). */
      returnValue: RpcTypedData | null | undefined;
    }
  | { invocationId: string; succeeded: false; error: Error };

export type InvokerDeps = {
  registry: CoreRegistry;
  adapters: BindingRegistry;
  logger: HostLogger;
  clock: Clock;
  setting: (name: string) => string | undefined;
  newId: () => string;
  /** The app-wide hook data of the current app load (reset on reload). */
  appHookData: () => Record<string, unknown>;
};

const SYSTEM_LEVEL: Partial<Record<RpcLogLevel, LogLevel>> = { trace: 'information', debug: 'information' };

function defineHookContext(init: Record<string, unknown>, readOnly: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(readOnly)) {
    Object.defineProperty(init, key, { value, writable: false, enumerable: true });
  }
  return init;
}

/**
 * Runs invocations through the app's programming model in the Node worker's order: arguments, preInvocation hooks,
 * handler, postInvocation hooks, response. Output bindings are applied only when all of that succeeded; a failed one
 * fails the invocation (the HTTP response is not written), as in the Functions host.
 */
export class Invoker {
  #deps: InvokerDeps;
  #inFlight = 0;
  #idle: (() => void)[] = [];

  constructor(deps: InvokerDeps) {
    this.#deps = deps;
  }

  /** Resolves once no invocation is running (hot reload lets in-flight invocations finish). */
  whenIdle(): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  async invoke(fn: FunctionInfo, invocation: TriggerInvocation): Promise<InvocationResult> {
    const { logger, clock } = this.#deps;
    const invocationId = this.#deps.newId();
    const category = `Function.${fn.name}`;
    const started = clock.now();
    this.#inFlight++;
    logger.log({
      level: 'information',
      category,
      invocationId,
      message: `Executing 'Functions.${fn.name}' (Reason='${invocation.reason}', Id=${invocationId})`,
    });
    if (invocation.details) logger.log({ level: 'information', category, invocationId, message: invocation.details });
    try {
      const { httpResponse, returnValue } = await this.#run(fn, invocation, invocationId);
      logger.log({
        level: 'information',
        category,
        invocationId,
        message: `Executed 'Functions.${fn.name}' (Succeeded, Id=${invocationId}, Duration=${clock.now() - started}ms)`,
      });
      return { invocationId, succeeded: true, httpResponse, returnValue };
    } catch (thrown) {
      const error = toInvocationError(thrown);
      logger.log({
        level: 'error',
        category,
        invocationId,
        message: `Executed 'Functions.${fn.name}' (Failed, Id=${invocationId}, Duration=${clock.now() - started}ms)`,
      });
      logger.log({
        level: 'error',
        category,
        invocationId,
        message: `Exception while executing function: Functions.${fn.name}. Result: Failure\nException: ${error.message}\nStack: ${error.stack ?? ''}`,
      });
      return { invocationId, succeeded: false, error };
    } finally {
      this.#inFlight--;
      if (this.#inFlight === 0) for (const resolve of this.#idle.splice(0)) resolve();
    }
  }

  async #run(
    fn: FunctionInfo,
    invocation: TriggerInvocation,
    invocationId: string,
  ): Promise<{ httpResponse: RpcHttpData | undefined; returnValue: RpcTypedData | null | undefined }> {
    const { registry, adapters, setting, clock } = this.#deps;
    const model = registry.programmingModel;
    if (!model) throw new Error('No programming model is registered; the app did not load @azure/functions.');
    const bindingCtx: BindingContext = {
      functionName: fn.name,
      invocationId,
      setting,
      log: (entry) => this.#deps.logger.log(entry),
    };
    // Like the host, non-trigger bindings are resolved (expressions) and bound before the worker is called.
    const others = fn.bindings
      .filter((b) => b !== fn.trigger)
      .map((b) =>
        resolveBinding(
          b,
          invocation.bindingData ?? {},
          { setting, now: () => clock.now(), newGuid: randomUUID },
          fn.name,
        ),
      );
    for (const binding of others) this.#requireAdapter(fn, binding);
    const inputData: RpcParameterBinding[] = [{ name: fn.trigger.name, data: invocation.triggerData }];
    for (const binding of others.filter((b) => b.direction !== 'out')) {
      const data = await adapters.get(binding.type)?.bindInput?.(binding, bindingCtx);
      if (data !== null && data !== undefined) inputData.push({ name: binding.name, data });
    }

    let executing = true;
    let invocationContext: unknown;
    const appHookData = this.#deps.appHookData();
    const retry = fn.registered.metadata.retryOptions;
    const coreCtx: CoreInvocationContext = {
      invocationId,
      request: {
        invocationId,
        functionId: fn.registered.functionId,
        inputData,
        triggerMetadata: invocation.triggerMetadata ?? {},
        traceContext: {
          traceParent: newTraceParent(),
          traceState: '',
          attributes: {},
        },
        retryContext: retry ? { retryCount: 0, maxRetryCount: retry.maxRetryCount ?? 0 } : null,
      },
      metadata: {
        name: fn.name,
        functionId: fn.registered.functionId,
        bindings: fn.registered.metadata.bindings,
        rawBindings: fn.rawBindings,
        scriptFile: fn.scriptFile,
      },
      state: undefined,
      log: (level, logCategory, message) => {
        if (!executing) return; // the host drops RpcLogs of invocations that have completed
        this.#emitLog(fn, invocationId, invocationContext, appHookData, level, logCategory, message);
      },
    };
    try {
      const invocationModel = model.getInvocationModel(coreCtx);
      const { context, inputs } = await invocationModel.getArguments();
      invocationContext = context;

      coreCtx.state = 'preInvocationHooks';
      const hookData: Record<string, unknown> = {};
      const preCtx = defineHookContext(
        { inputs, functionCallback: fn.registered.callback },
        { hookData, appHookData, invocationContext: context },
      );
      for (const hook of registry.hooks.get('preInvocation') ?? []) await hook(preCtx);

      coreCtx.state = 'invocation';
      const finalInputs = preCtx.inputs as unknown[];
      const postCtx = defineHookContext(
        { inputs: finalInputs, result: null, error: null },
        { hookData, appHookData, invocationContext: context },
      );
      try {
        postCtx.result = await invocationModel.invokeFunction(
          context,
          finalInputs,
          preCtx.functionCallback as FunctionCallback,
        );
      } catch (error) {
        postCtx.error = error;
      }

      coreCtx.state = 'postInvocationHooks';
      for (const hook of registry.hooks.get('postInvocation') ?? []) await hook(postCtx);
      coreCtx.state = undefined;
      if (postCtx.error !== null && postCtx.error !== undefined) throw toInvocationError(postCtx.error);

      const response = await invocationModel.getResponse(context, postCtx.result);
      executing = false;
      for (const binding of others.filter((b) => b.direction !== 'in')) {
        const value =
          binding.name === '$return'
            ? response.returnValue
            : response.outputData?.find((o) => o.name === binding.name)?.data;
        if (value === null || value === undefined) continue;
        try {
          await adapters.get(binding.type)?.applyOutput?.(binding, value, bindingCtx);
        } catch (error) {
          throw new OutputBindingError(binding.name, binding.type, error);
        }
      }
      return { httpResponse: bindingCtx.httpResponse, returnValue: response.returnValue };
    } finally {
      executing = false;
    }
  }

  #requireAdapter(fn: FunctionInfo, binding: BindingInfo): void {
    const adapter = this.#deps.adapters.get(binding.type);
    const needs = binding.direction === 'out' ? 'applyOutput' : 'bindInput';
    if (!adapter?.[needs] || (binding.direction === 'inout' && !adapter.applyOutput)) {
      throw new Error(
        `The local host has no support for the ${binding.direction === 'out' ? 'output' : 'input'} binding type ` +
          `'${binding.type}' (binding '${binding.name}' of function '${fn.name}').`,
      );
    }
  }

  #emitLog(
    fn: FunctionInfo,
    invocationId: string,
    invocationContext: unknown,
    appHookData: Record<string, unknown>,
    level: RpcLogLevel,
    category: RpcLogCategory,
    message: string,
  ): void {
    // Log hooks see every log; only user logs take their changes to level and message.
    const hookCtx = defineHookContext({ level, message }, { category, invocationContext, hookData: {}, appHookData });
    for (const hook of this.#deps.registry.hooks.get('log') ?? []) {
      try {
        void hook(hookCtx);
      } catch {
        // The worker swallows exceptions from log hooks.
      }
    }
    const finalLevel = category === 'user' ? (hookCtx.level as RpcLogLevel) : level;
    const finalMessage = category === 'user' ? String(hookCtx.message) : message;
    if (finalLevel === 'none') return;
    this.#deps.logger.log({
      level: category === 'user' ? finalLevel : (SYSTEM_LEVEL[finalLevel] ?? finalLevel),
      category: category === 'user' ? `Function.${fn.name}.User` : 'Worker',
      message: finalMessage,
      invocationId,
    });
  }
}
