import { join } from 'node:path';
import type { HostLogger, StorageEmulator } from '../../host/index.js';
import type { Clock } from '../../shared/clock.js';
import { freePort } from '../../shared/freePort.js';
import {
  azuriteEndpoints,
  DEV_ACCOUNT_KEY,
  DEV_ACCOUNT_NAME,
  placeAzurite,
  startAzurite,
  type AzuriteHandle,
} from '../../storage/azurite.js';
import { blobQueueEndpoints, emulatorConnectionString } from '../../storage/blobQueue.js';
import { reachable } from './reachable.js';
import { lazily } from './lazily.js';

export type AzuriteServiceOptions = {
  /** Table port; 0 = free port. Default 10002, or a free port when something holds it. */
  tablePort?: number;
  reuse?: boolean;
  /** Blob and queue ports; 0 = free port. Default 10000 and 10001, or free ports when `tablePort` is 0. */
  blobPort?: number;
  queuePort?: number;
  dataDir: string;
  inMemory: boolean;
  clock?: Clock;
  logger: HostLogger;
};

/** Azurite for the stack: the table service, and the blob and queue services the storage bindings need. */
export type AzuriteService = {
  tableEndpoint: string;
  /** The explicit connection string of the table service. */
  tableConnectionString: string;
  /** All three services, for the app's `UseDevelopmentStorage=true` settings. */
  storageConnectionString: string;
  /** The table service (what the app's own code uses, as this app's orders table). */
  startTables(): Promise<AzuriteHandle>;
  /** Every service: the `storage` service the timer, queue, blob and table bindings ask for. */
  startAll(): Promise<StorageEmulator>;
  /** The URLs of the services asked for: the table service's, and the blob and queue services' once asked for. */
  urls(): string[];
  /** The table service is up (not restarting or given up on), has room to write, and answers. */
  ready(): Promise<boolean>;
  stop(): Promise<void>;
};

/**
 * Settles Azurite's ports — the app's settings name them before anything starts — and starts nothing: the stack
 * asks for the table service, or for all of them, once it knows the app needs them.
 */
export async function placeAzuriteService(options: AzuriteServiceOptions): Promise<AzuriteService> {
  const log = (message: string, level: 'information' | 'warning' | 'error') =>
    options.logger.log({ level, category: 'Host.Storage', message });
  const placement = await placeAzurite({ port: options.tablePort, reuse: options.reuse, log });
  // Blob and queue ports follow the table port's choice: any free ones when it is 0 (tests, several stacks).
  const anyPort = options.tablePort === 0;
  const blobPort = (options.blobPort ?? (anyPort ? 0 : 10000)) || (await freePort());
  const queuePort = (options.queuePort ?? (anyPort ? 0 : 10001)) || (await freePort());
  const dataDir = join(options.dataDir, 'azurite');
  const tables = lazily(
    () =>
      startAzurite({
        port: placement.port,
        reuseExisting: placement.reuseExisting,
        dataDir,
        inMemory: options.inMemory,
        clock: options.clock,
        log,
      }),
    (handle) => handle.stop(),
  );
  // Blobs and queues join the table service's Azurite process (one process start, supervised with it).
  const blobQueue = lazily(
    async () => (await tables.start()).startBlobQueue({ blobPort, queuePort }),
    (handle) => handle.stop(),
  );
  const table = azuriteEndpoints('127.0.0.1', placement.port);
  const endpoints = { ...blobQueueEndpoints('127.0.0.1', blobPort, queuePort), tableEndpoint: table.tableEndpoint };
  let blobsAndQueues = false;
  return {
    tableEndpoint: table.tableEndpoint,
    tableConnectionString: table.connectionString,
    storageConnectionString: emulatorConnectionString(endpoints),
    startTables: () => tables.start(),
    async startAll() {
      blobsAndQueues = true;
      await Promise.all([tables.start(), blobQueue.start()]);
      return { ...endpoints, accountName: DEV_ACCOUNT_NAME, accountKey: DEV_ACCOUNT_KEY };
    },
    urls: () => [table.tableEndpoint, ...(blobsAndQueues ? [endpoints.blobEndpoint, endpoints.queueEndpoint] : [])],
    async ready() {
      const health = await tables.current?.health();
      if (!health) return false;
      const up = health.state === 'running' || health.state === 'reused';
      return up && !health.diskFull && (await reachable(table.tableEndpoint));
    },
    stop: async () => {
      await blobQueue.stop();
      await tables.stop();
    },
  };
}
