import type { FunctionMetadataResponse, HostMessage, WorkerInitResponse, WorkerMessage } from '../rpc/messages.js';
import { SUCCESS, failure } from '../rpc/messages.js';
import type { RpcFunctionMetadata } from '../rpc/types.js';
import { readAppPackage } from '../shared/appPackage.js';
import { runAppHooks, startApp, type AppHookData } from './appStartup.js';
import { WORKER_VERSION, type CoreRegistry } from './core/coreModule.js';
import { reloadEnvironment } from './environmentReload.js';
import { emitLog, handleInvocation, type InvocationDeps } from './invocationHandler.js';

type Send = (message: WorkerMessage) => void;

/** What one worker process keeps between messages: its app, and the error that blocks it from serving, if any. */
type WorkerState = {
  registry: CoreRegistry;
  appDir: string | undefined;
  hookData: AppHookData;
  blockingError: Error | undefined;
};

function metadataOf(registry: CoreRegistry): RpcFunctionMetadata[] {
  return [...registry.functions.values()].map((fn) => ({
    name: fn.metadata.name,
    functionId: fn.functionId,
    scriptFile: fn.entryPoint ?? null,
    rawBindings: fn.rawBindings,
    retryOptions: fn.metadata.retryOptions ?? null,
  }));
}

async function initialize(state: WorkerState, appDir: string, send: Send): Promise<WorkerInitResponse> {
  const { registry } = state;
  state.appDir = appDir;
  const { pkg, warning } = readAppPackage(appDir);
  if (warning) send({ requestId: '', rpcLog: { level: 'warning', message: warning, logCategory: 'system' } });
  let capabilities: Record<string, string> = {};
  try {
    capabilities = await startApp({ appDir, pkg, registry, hookData: state.hookData });
  } catch (error) {
    // As the worker does on Node 20+: a failed app start blocks indexing and loading, with the error reported there.
    state.blockingError = error as Error;
    console.error((error as Error).stack ?? String(error));
  }
  return {
    result: SUCCESS,
    capabilities,
    workerMetadata: {
      runtimeName: 'node',
      runtimeVersion: process.versions.node,
      workerVersion: WORKER_VERSION,
      pid: process.pid,
    },
  };
}

function metadataResponse(state: WorkerState): FunctionMetadataResponse {
  state.registry.lockIndexing();
  if (state.blockingError) {
    return { result: failure(state.blockingError), functionMetadataResults: [], useDefaultMetadataIndexing: false };
  }
  const functionMetadataResults = metadataOf(state.registry);
  return { result: SUCCESS, functionMetadataResults, useDefaultMetadataIndexing: functionMetadataResults.length === 0 };
}

/**
 * The worker's event handlers: each host message is handled without waiting for earlier ones, so invocations run
 * concurrently in the one process, as in the Azure Node worker.
 */
export function createWorker(registry: CoreRegistry, send: Send, exit: (code: number) => void) {
  const state: WorkerState = {
    registry,
    appDir: undefined,
    hookData: { appHookData: {}, appLevelOnly: {} },
    blockingError: undefined,
  };
  const deps: InvocationDeps = {
    registry,
    appHookData: state.hookData.appHookData,
    sendLog: (rpcLog) => send({ requestId: '', rpcLog }),
  };
  registry.onSystemLog((level, logCategory, message) => emitLog(deps, { level, message, logCategory }, undefined));

  async function handle(message: HostMessage): Promise<void> {
    const { requestId } = message;
    if ('workerInitRequest' in message) {
      registry.hostVersion = message.workerInitRequest.hostVersion;
      send({
        requestId,
        workerInitResponse: await initialize(state, message.workerInitRequest.functionAppDirectory, send),
      });
    } else if ('functionsMetadataRequest' in message) {
      send({ requestId, functionMetadataResponse: metadataResponse(state) });
    } else if ('functionLoadRequest' in message) {
      const { functionId } = message.functionLoadRequest;
      const result = state.blockingError ? failure(state.blockingError) : SUCCESS;
      send({ requestId, functionLoadResponse: { functionId, result } });
    } else if ('invocationRequest' in message) {
      send({ requestId, invocationResponse: await handleInvocation(deps, message.invocationRequest) });
    } else if ('workerStatusRequest' in message) {
      send({ requestId, workerStatusResponse: {} });
    } else if ('functionEnvironmentReloadRequest' in message) {
      const result = reloadEnvironment(message.functionEnvironmentReloadRequest, state.appDir !== undefined);
      send({ requestId, functionEnvironmentReloadResponse: { result } });
    } else if ('workerTerminate' in message) {
      await runAppHooks(registry, 'appTerminate', state.hookData, state.appDir ?? process.cwd()).catch(() => undefined);
      exit(0);
    }
  }

  return {
    handle(message: HostMessage): void {
      handle(message).catch((error: unknown) => {
        send({
          requestId: message.requestId,
          rpcLog: { level: 'error', message: String(error), logCategory: 'system' },
        });
      });
    },
  };
}
