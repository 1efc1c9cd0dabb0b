export { startFunctionsHost, type FunctionsHost, type FunctionsHostOptions } from './functionsHost.js';
export type { HttpMiddleware } from './http/requestPipeline.js';
export {
  builtInExtensions,
  defineExtension,
  ExtensionRegistry,
  type BindingAdapter,
  type BindingContext,
  type Extension,
  type ExtensionContext,
  type ExtensionInstance,
  type RegisteredExtension,
  type TriggerHost,
  type TriggerListener,
} from './extensions/index.js';
export { runningServices, type LocalServices } from './extensions/startExtensions.js';
export { createHostContainer, STORAGE_SERVICE, type StorageEmulator } from './extensions/shared/storageAccount.js';
export type { BindingInfo, FunctionInfo } from './core/functionIndex.js';
export type { InvocationResult, TriggerInvocation } from './invoker.js';
export type { HostConfig } from './hostJson.js';
export {
  createConsoleLogger,
  type ConsoleLoggerOptions,
  type HostLogger,
  type LogEntry,
  type LogLevel,
} from './core/logger.js';
export type { RpcTypedData, RpcHttpData } from '../rpc/types.js';
