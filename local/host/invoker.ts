import { randomUUID } from 'node:crypto';
import type { Clock } from '../shared/clock.js';
import type { InvocationResponse } from '../rpc/messages.js';
import type {
  RpcException,
  RpcHttpData,
  RpcInvocationRequest,
  RpcLog,
  RpcLogLevel,
  RpcParameterBinding,
  RpcTypedData,
} from '../rpc/types.js';
import type { BindingAdapter, BindingContext } from './extensions/bindingAdapter.js';
import { resolveBinding, type BindingData } from './bindingExpressions.js';
import { OutputBindingError } from './outputBindingError.js';
import type { BindingInfo, FunctionInfo } from './functionIndex.js';
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

/** What invocations run on: the app's language workers, and the binding handlers of its extensions. */
export type InvocationTarget = {
  workers: {
    invoke(request: RpcInvocationRequest & { invocationId: string; functionId: string }): Promise<InvocationResponse>;
  };
  extensions: { adapter(type: string): BindingAdapter | undefined };
};

export type InvokerDeps = {
  /** The current generation (replaced on reload). */
  target(): InvocationTarget;
  logger: HostLogger;
  clock: Clock;
  setting: (name: string) => string | undefined;
  newId: () => string;
};

const SYSTEM_LEVEL: Partial<Record<RpcLogLevel, LogLevel>> = { trace: 'information', debug: 'information' };

/** The worker's failure as an Error carrying its message and stack. */
function failureError(exception: RpcException | null | undefined): Error {
  const error = new Error(exception?.message ?? 'Unknown error');
  error.stack = exception?.stackTrace ?? `Error: ${error.message}`;
  return error;
}

/** An input needs `bindInput` and an output `applyOutput` of its extension's adapter (an inout both). */
function requireAdapter(target: InvocationTarget, fn: FunctionInfo, binding: BindingInfo): void {
  const adapter = target.extensions.adapter(binding.type);
  const needs = binding.direction === 'out' ? 'applyOutput' : 'bindInput';
  if (!adapter?.[needs] || (binding.direction === 'inout' && !adapter.applyOutput)) {
    throw new Error(
      `The local host has no support for the ${binding.direction === 'out' ? 'output' : 'input'} binding type ` +
        `'${binding.type}' (binding '${binding.name}' of function '${fn.name}').`,
    );
  }
}

/**
 * Runs invocations as the host does: binding expressions resolved and inputs bound, the invocation sent to a
 * language worker, and output bindings applied only when the worker reports success. A failed output fails the
 * invocation (for HTTP, the function's response is not written), as in the Functions host.
 */
export class Invoker {
  #deps: InvokerDeps;
  #inFlight = 0;
  #executing = new Map<string, string>();
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
      const error = thrown instanceof Error ? thrown : new Error(String(thrown));
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
    const { setting, clock } = this.#deps;
    const target = this.#deps.target();
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
    for (const binding of others) requireAdapter(target, fn, binding);
    const inputData: RpcParameterBinding[] = [{ name: fn.trigger.name, data: invocation.triggerData }];
    for (const binding of others.filter((b) => b.direction !== 'out')) {
      const data = await target.extensions.adapter(binding.type)?.bindInput?.(binding, bindingCtx);
      if (data !== null && data !== undefined) inputData.push({ name: binding.name, data });
    }
    const retry = fn.retryOptions;
    this.#executing.set(invocationId, fn.name);
    let response: InvocationResponse;
    try {
      response = await target.workers.invoke({
        invocationId,
        functionId: fn.functionId,
        inputData,
        triggerMetadata: invocation.triggerMetadata ?? {},
        traceContext: { traceParent: newTraceParent(), traceState: '', attributes: {} },
        retryContext: retry ? { retryCount: 0, maxRetryCount: retry.maxRetryCount ?? 0 } : null,
      });
    } finally {
      // The host drops RpcLogs of invocations that have completed.
      this.#executing.delete(invocationId);
    }
    if (response.result.status !== 'success') throw failureError(response.result.exception);
    for (const binding of others.filter((b) => b.direction !== 'in')) {
      const value =
        binding.name === '$return'
          ? response.returnValue
          : response.outputData?.find((o) => o.name === binding.name)?.data;
      if (value === null || value === undefined) continue;
      try {
        await target.extensions.adapter(binding.type)?.applyOutput?.(binding, value, bindingCtx);
      } catch (error) {
        throw new OutputBindingError(binding.name, binding.type, error);
      }
    }
    return { httpResponse: bindingCtx.httpResponse, returnValue: response.returnValue };
  }

  /** An RpcLog from a worker: user logs of a running invocation go to `Function.<name>.User`, system logs to `Worker`. */
  onWorkerLog(log: RpcLog): void {
    if (log.level === 'none') return;
    const invocationId = log.invocationId ?? undefined;
    const functionName = invocationId ? this.#executing.get(invocationId) : undefined;
    if (invocationId && !functionName) return;
    const user = log.logCategory === 'user';
    if (user && !functionName) return;
    this.#deps.logger.log({
      level: user ? log.level : (SYSTEM_LEVEL[log.level] ?? log.level),
      category: user ? `Function.${functionName}.User` : 'Worker',
      message: log.message,
      invocationId,
    });
  }
}
