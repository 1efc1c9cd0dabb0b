import type { StorageEmulator } from '../host/index.js';
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME } from '../storage/azurite.js';
import { blobQueueEndpoints, startAzuriteBlobQueue, type BlobQueueHandle } from '../storage/blobQueue.js';

/**
 * The `storage` service the storage bindings ask for: Azurite's blob and queue services (next to the table
 * service the stack always runs), started the first time an app's bindings need them. Their ports are settled up
 * front so the app's `UseDevelopmentStorage=true` settings can name them before anything starts.
 */
export function lazyStorageService(options: {
  blobPort: number;
  queuePort: number;
  tableEndpoint: string;
  dataDir: string;
  inMemory: boolean;
}): {
  endpoints: { blobEndpoint: string; queueEndpoint: string };
  start(): Promise<StorageEmulator>;
  stop(): Promise<void>;
} {
  const endpoints = blobQueueEndpoints('127.0.0.1', options.blobPort, options.queuePort);
  let started: Promise<BlobQueueHandle> | undefined;
  return {
    endpoints,
    async start() {
      started ??= startAzuriteBlobQueue({ ...options });
      await started;
      return {
        ...endpoints,
        tableEndpoint: options.tableEndpoint,
        accountName: DEV_ACCOUNT_NAME,
        accountKey: DEV_ACCOUNT_KEY,
      };
    },
    async stop() {
      await (await started?.catch(() => undefined))?.stop();
    },
  };
}
