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
export type { InvocationResult, TriggerInvocation } from './core/invocation.js';
import type { BindingAdapter, BindingContext } from './extensions/shared/bindingAdapter.js';
import { resolveBinding } from './core/bindingExpressions.js';
import type { InvocationResult, TriggerInvocation } from './core/invocation.js';
import type { BindingInfo, FunctionInfo } from './core/functionIndex.js';
import type { HostLogger, LogLevel } from './core/logger.js';
import { proxyToWorker, type WorkerProxy } from './http/streamProxy.js';
import { newTraceParent } from './core/traceParent.js';
import { OutputBindingError } from './core/outputBindingError.js';

type WorkerRequest = RpcInvocationRequest & { invocationId: string; functionId: string };

/** One language worker, as the invoker uses it. */
export type InvocationWorker = {
  invoke(request: WorkerRequest): Promise<InvocationResponse>;
  /** The worker's own HTTP server when the app streams HTTP (`app.setup({ enableHttpStream: true })`). */
  readonly httpUri: string | undefined;
};

/** What invocations run on: the app's language workers, and the binding handlers of its extensions. */
export type InvocationTarget = {
  workers: { pick(): Promise<InvocationWorker> };
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
    if (invocation.adminInput !== undefined) {
      const fromAdmin = target.extensions.adapter(fn.trigger.type)?.adminInvocation;
      if (fromAdmin) invocation = { ...invocation, ...(await fromAdmin(fn, invocation.adminInput, setting)) };
    }
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
    const response = await this.#callWorker(target, invocation, fn, {
      invocationId,
      functionId: fn.functionId,
      inputData,
      triggerMetadata: invocation.triggerMetadata ?? {},
      traceContext: { traceParent: newTraceParent(), traceState: '', attributes: {} },
      retryContext: retry ? { retryCount: 0, maxRetryCount: retry.maxRetryCount ?? 0 } : null,
    });
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

  /**
   * Sends the invocation to a worker; for a streamed HTTP request, the request first goes to that worker's own
   * HTTP server and its response straight back to the client. Throws the worker's failure.
   */
  async #callWorker(
    target: InvocationTarget,
    invocation: TriggerInvocation,
    fn: FunctionInfo,
    request: WorkerRequest,
  ): Promise<InvocationResponse> {
    const worker = await target.workers.pick();
    let proxy: WorkerProxy | undefined;
    if (invocation.stream) {
      if (!worker.httpUri) throw new Error('The worker has no HTTP server for a streamed request.');
      proxy = proxyToWorker(worker.httpUri, request.invocationId, invocation.stream);
    }
    this.#executing.set(request.invocationId, fn.name);
    let response: InvocationResponse;
    try {
      response = await worker.invoke(request);
    } finally {
      // The host drops RpcLogs of invocations that have completed.
      this.#executing.delete(request.invocationId);
    }
    if (response.result.status !== 'success') {
      proxy?.abort();
      throw failureError(response.result.exception);
    }
    await proxy?.done;
    return response;
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
