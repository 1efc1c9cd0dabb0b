export { startFunctionsHost, type FunctionsHost, type FunctionsHostOptions } from './functionsHost.js';
export type { HttpMiddleware } from './http/requestPipeline.js';
export type { BindingAdapter, BindingContext, TriggerHost, TriggerListener } from './extensions/bindingAdapter.js';
export type { BindingInfo, FunctionInfo } from './functionIndex.js';
export type { InvocationResult, TriggerInvocation } from './invoker.js';
export type { HostConfig } from './hostJson.js';
export {
  createConsoleLogger,
  type ConsoleLoggerOptions,
  type HostLogger,
  type LogEntry,
  type LogLevel,
} from './logger.js';
export type { RpcTypedData, RpcHttpData } from '../rpc/types.js';
export { createServiceBusBindings } from './extensions/serviceBus/output.js';
