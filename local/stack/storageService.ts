import type { StorageEmulator } from '../host/index.js';
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME, type AzuriteHandle } from '../storage/azurite.js';
import { blobQueueEndpoints, type BlobQueueHandle } from '../storage/blobQueue.js';

/**
 * The `storage` service the storage bindings ask for: Azurite's blob and queue services, started in the Azurite
 * process of the table service the stack always runs the first time an app's bindings need them. Their ports are
 * settled up front so the app's `UseDevelopmentStorage=true` settings can name them before anything starts.
 */
export function lazyStorageService(options: {
  /** The stack's Azurite, which the blob and queue services join. */
  azurite: Promise<AzuriteHandle>;
  blobPort: number;
  queuePort: number;
  tableEndpoint: string;
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
      const { azurite, blobPort, queuePort } = options;
      started ??= azurite.then((table) => table.startBlobQueue({ blobPort, queuePort }));
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
