// The messages the host and a language worker exchange, shaped like the Functions RPC `StreamingMessage`
// (FunctionRpc.proto): one content field per message, named as in the proto, and a request id that pairs a
// response with its request. They travel over Node's IPC channel with structured-clone serialization, so
// request and response bodies cross as bytes, not as JSON or base64.
import type {
  FunctionMetadata,
  RpcFunctionMetadata,
  RpcInvocationRequest,
  RpcInvocationResponse,
  RpcLog,
  RpcStatusResult,
} from './types.js';

export type WorkerInitRequest = {
  hostVersion: string;
  functionAppDirectory: string;
  workerDirectory: string;
  capabilities: Record<string, string>;
};

export type WorkerInitResponse = {
  result: RpcStatusResult;
  capabilities: Record<string, string>;
  workerMetadata: { runtimeName: string; runtimeVersion: string; workerVersion: string; pid: number };
};

export type FunctionMetadataResponse = {
  result: RpcStatusResult;
  functionMetadataResults: RpcFunctionMetadata[];
  useDefaultMetadataIndexing: boolean;
};

export type FunctionLoadRequest = { functionId: string; metadata: FunctionMetadata | RpcFunctionMetadata };
export type FunctionLoadResponse = { functionId: string; result: RpcStatusResult };

/** Placeholder mode: the app's environment and folder for a worker that was started before they were known. */
export type FunctionEnvironmentReloadRequest = {
  environmentVariables: Record<string, string>;
  functionAppDirectory: string;
};

export type InvocationResponse = RpcInvocationResponse & { invocationId: string; result: RpcStatusResult };

export type HostMessage = { requestId: string } & (
  | { workerInitRequest: WorkerInitRequest }
  | { functionsMetadataRequest: { functionAppDirectory: string } }
  | { functionLoadRequest: FunctionLoadRequest }
  | { invocationRequest: RpcInvocationRequest & { invocationId: string; functionId: string } }
  | { workerStatusRequest: Record<string, never> }
  | { functionEnvironmentReloadRequest: FunctionEnvironmentReloadRequest }
  | { workerTerminate: { gracePeriodSeconds: number } }
);

export type WorkerMessage = { requestId: string } & (
  | { startStream: { workerId: string } }
  | { workerInitResponse: WorkerInitResponse }
  | { functionMetadataResponse: FunctionMetadataResponse }
  | { functionLoadResponse: FunctionLoadResponse }
  | { invocationResponse: InvocationResponse }
  | { rpcLog: RpcLog }
  | { workerStatusResponse: Record<string, never> }
  | { functionEnvironmentReloadResponse: { result: RpcStatusResult } }
);

/** The content field a message carries (`workerInitRequest`, `rpcLog`, ...). */
export function contentOf<M extends object>(message: M): keyof M & string {
  for (const key of Object.keys(message)) if (key !== 'requestId') return key as keyof M & string;
  throw new Error('The RPC message has no content.');
}

/** A StatusResult for a thrown value, as the worker reports failures (message and stack). */
export function failure(error: unknown): RpcStatusResult {
  const err = error instanceof Error ? error : new Error(String(error));
  return { status: 'failure', exception: { message: err.message, stackTrace: err.stack ?? null } };
}

export const SUCCESS: RpcStatusResult = { status: 'success' };
