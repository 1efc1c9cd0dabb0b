// The programming-model side of the `@azure/functions-core` contract: what the Azure Node worker hands the
// library and what the library gives back.
import type {
  RpcBindingInfo,
  RpcInvocationRequest,
  RpcInvocationResponse,
  RpcLogCategory,
  RpcLogLevel,
} from '../../rpc/types.js';

export type FunctionCallback = (...args: unknown[]) => unknown;

/** The per-invocation object a programming model receives (the worker's `CoreInvocationContext`). */
export type CoreInvocationContext = {
  invocationId: string;
  request: RpcInvocationRequest;
  metadata: { name: string; bindings: Record<string, RpcBindingInfo> } & Record<string, unknown>;
  state?: 'preInvocationHooks' | 'invocation' | 'postInvocationHooks';
  log(level: RpcLogLevel, category: RpcLogCategory, message: string): void;
};

export type InvocationArguments = { context: unknown; inputs: unknown[] };

export interface InvocationModel {
  getArguments(): Promise<InvocationArguments>;
  invokeFunction(context: unknown, inputs: unknown[], handler: FunctionCallback): Promise<unknown>;
  getResponse(context: unknown, result: unknown): Promise<RpcInvocationResponse>;
}

export interface ProgrammingModel {
  name: string;
  version: string;
  getInvocationModel(coreContext: CoreInvocationContext): InvocationModel;
  getCapabilities?(capabilities: Record<string, string>): Record<string, string> | Promise<Record<string, string>>;
}

export type HookName = 'preInvocation' | 'postInvocation' | 'appStart' | 'appTerminate' | 'log';
export type HookCallback = (context: Record<string, unknown>) => unknown;
