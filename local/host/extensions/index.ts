import type { RegisteredExtension } from './shared/extension.js';
import { httpExtension } from './http/index.js';
import { serviceBusExtension } from './serviceBus/index.js';
import { signalRExtension } from './signalR/index.js';
import { blobsExtension } from './blobs/index.js';
import { queuesExtension } from './queues/index.js';
import { tablesExtension } from './tables/index.js';
import { timerExtension } from './timer/index.js';
import { warmupExtension } from './warmup/index.js';

/** Every extension the local host has: adding a binding family is adding it here. */
export const builtInExtensions: readonly RegisteredExtension[] = [
  httpExtension,
  serviceBusExtension,
  signalRExtension,
  timerExtension,
  queuesExtension,
  blobsExtension,
  tablesExtension,
  warmupExtension,
];

export { defineExtension, type Extension, type ExtensionContext, type ExtensionInstance } from './shared/extension.js';
export type { RegisteredExtension } from './shared/extension.js';
export type { BindingAdapter, BindingContext, TriggerHost, TriggerListener } from './shared/bindingAdapter.js';
export { ExtensionRegistry } from './registry.js';
export { STORAGE_SERVICE, type StorageEmulator } from './shared/storageAccount.js';
