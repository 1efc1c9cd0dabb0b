import { afterAll, beforeAll } from 'vitest';
import type { StorageEmulator } from '../../local/host/index.js';
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME, startAzurite, type AzuriteHandle } from '../../local/storage/azurite.js';
import type { BlobQueueHandle } from '../../local/storage/blobQueue.js';

/**
 * Starts an in-memory Azurite table service on a free port for the current test file and stops it afterwards.
 * Call at the top level of a test file; read the handle inside tests or later hooks.
 */
export function useAzurite(): () => AzuriteHandle {
  let handle: AzuriteHandle | undefined;
  beforeAll(async () => {
    handle = await startAzurite({ port: 0, inMemory: true });
  });
  afterAll(async () => {
    await handle?.stop();
  });
  return () => {
    if (!handle) throw new Error('Azurite is not running yet: use the handle inside a test or a later hook.');
    return handle;
  };
}

/**
 * Starts Azurite's table, blob and queue services (in memory, free ports) in one Azurite process, as the stack
 * does, for the current test file and hands them over as the `storage` service the storage bindings need.
 */
export function useStorageEmulator(options: { dataDir?: string } = {}): () => StorageEmulator {
  let table: AzuriteHandle | undefined;
  let blobQueue: BlobQueueHandle | undefined;
  beforeAll(async () => {
    const inMemory = options.dataDir === undefined;
    table = await startAzurite({ port: 0, inMemory, dataDir: options.dataDir });
    blobQueue = await table.startBlobQueue();
  });
  afterAll(async () => {
    await table?.stop();
  });
  return () => {
    if (!table || !blobQueue)
      throw new Error('Azurite is not running yet: use the handle inside a test or a later hook.');
    return {
      blobEndpoint: blobQueue.blobEndpoint,
      queueEndpoint: blobQueue.queueEndpoint,
      tableEndpoint: table.tableEndpoint,
      accountName: DEV_ACCOUNT_NAME,
      accountKey: DEV_ACCOUNT_KEY,
    };
  };
}
