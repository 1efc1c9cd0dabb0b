import type { InvocationResponse } from '../rpc/messages.js';
import { SUCCESS, failure } from '../rpc/messages.js';
import type { RpcInvocationRequest, RpcLog, RpcLogCategory, RpcLogLevel } from '../rpc/types.js';
import type { CoreRegistry, RegisteredFunction } from './core/coreModule.js';
import type { CoreInvocationContext, FunctionCallback } from './core/types.js';
import { toInvocationError } from './invocationError.js';

export type InvocationDeps = {
  registry: CoreRegistry;
  /** The app-wide hook data of this worker's app. */
  appHookData: Record<string, unknown>;
  /** Sends an RpcLog to the host (after the log hooks ran). */
  sendLog(log: RpcLog): void;
};

function defineHookContext(init: Record<string, unknown>, readOnly: Record<string, unknown>): Record<string, unknown> {
  for (const [key, value] of Object.entries(readOnly)) {
    Object.defineProperty(init, key, { value, writable: false, enumerable: true });
  }
  return init;
}

/** Runs the log hooks on one log; only user logs take their changes to level and message (as the worker does). */
export function emitLog(
  deps: InvocationDeps,
  log: RpcLog & { logCategory: RpcLogCategory },
  invocationContext: unknown,
): void {
  const hookCtx = defineHookContext(
    { level: log.level, message: log.message },
    { category: log.logCategory, invocationContext, hookData: {}, appHookData: deps.appHookData },
  );
  for (const hook of deps.registry.hooks.get('log') ?? []) {
    try {
      void hook(hookCtx);
    } catch {
      // The worker swallows exceptions from log hooks.
    }
  }
  if (log.logCategory !== 'user') deps.sendLog(log);
  else deps.sendLog({ ...log, level: hookCtx.level as RpcLogLevel, message: String(hookCtx.message) });
}

function lookUp(registry: CoreRegistry, functionId: string): RegisteredFunction {
  const fn = registry.functions.get(functionId);
  if (!fn) throw new Error(`Function code for '${functionId}' is not loaded and cannot be invoked.`);
  return fn;
}

/**
 * One invocation in the Node worker's order, through the app's programming model: arguments, preInvocation
 * hooks, handler, postInvocation hooks, response. A throw anywhere becomes a Failure result.
 */
export async function handleInvocation(
  deps: InvocationDeps,
  request: RpcInvocationRequest & { invocationId: string; functionId: string },
): Promise<InvocationResponse> {
  const { invocationId } = request;
  try {
    const { outputData, returnValue } = await run(deps, request);
    return { invocationId, outputData, returnValue, result: SUCCESS };
  } catch (error) {
    return { invocationId, result: failure(toInvocationError(error)) };
  }
}

async function run(
  deps: InvocationDeps,
  request: RpcInvocationRequest & { invocationId: string; functionId: string },
): Promise<Pick<InvocationResponse, 'outputData' | 'returnValue'>> {
  const { registry, appHookData } = deps;
  const model = registry.programmingModel;
  if (!model) throw new Error('No programming model is registered; the app did not load @azure/functions.');
  const fn = lookUp(registry, request.functionId);
  // The library's InvocationContext, once getArguments has made it: log hooks receive it.
  const current: { context?: unknown } = {};
  const coreCtx: CoreInvocationContext = {
    invocationId: request.invocationId,
    request,
    metadata: {
      name: fn.metadata.name,
      functionId: fn.functionId,
      bindings: fn.metadata.bindings,
      rawBindings: fn.rawBindings,
      scriptFile: fn.entryPoint,
    },
    state: undefined,
    log: (level: RpcLogLevel, logCategory: RpcLogCategory, message: string) =>
      emitLog(
        deps,
        { invocationId: request.invocationId, category: `${fn.metadata.name}.Invocation`, level, message, logCategory },
        current.context,
      ),
  };
  const invocationModel = model.getInvocationModel(coreCtx);
  const { context, inputs } = await invocationModel.getArguments();
  current.context = context;

  coreCtx.state = 'preInvocationHooks';
  const hookData: Record<string, unknown> = {};
  const preCtx = defineHookContext(
    { inputs, functionCallback: fn.callback },
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
  return invocationModel.getResponse(context, postCtx.result);
}
