import { fork } from 'node:child_process';
import { compiledEntry } from '../shared/compiledEntry.js';
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME } from './azurite.js';
import type { BlobQueueProcessMessage } from './blobQueueProcess.js';

export type BlobQueueOptions = {
  host?: string;
  /** 0 (the default) picks a free port. */
  blobPort?: number;
  queuePort?: number;
  /** Where Azurite keeps blobs, queue messages and their metadata. Default `.local/azurite`. */
  dataDir?: string;
  inMemory?: boolean;
};

export type BlobQueueHandle = {
  blobEndpoint: string;
  queueEndpoint: string;
  blobPort: number;
  queuePort: number;
  pid: number | undefined;
  /** Stops the services. Idempotent. */
  stop(): Promise<void>;
};

/** Starts Azurite's blob and queue services in a child process of their own (the storage bindings need them). */
export async function startAzuriteBlobQueue(options: BlobQueueOptions = {}): Promise<BlobQueueHandle> {
  const host = options.host ?? '127.0.0.1';
  const config = {
    host,
    blobPort: options.blobPort ?? 0,
    queuePort: options.queuePort ?? 0,
    dataDir: options.dataDir,
    inMemory: options.inMemory,
  };
  const child = fork(compiledEntry(import.meta.url, 'blobQueueProcess.js'), [JSON.stringify(config)], {
    // Not the parent's flags: a test runner's loaders or a profiler do not belong in Azurite's process.
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const ports = await new Promise<{ blobPort: number; queuePort: number }>((resolvePromise, reject) => {
    child.once('message', (message: BlobQueueProcessMessage) => {
      if (message.ready) resolvePromise({ blobPort: message.blobPort, queuePort: message.queuePort });
      else reject(new Error(message.error));
    });
    child.once('exit', (code) =>
      reject(new Error(`Azurite's blob and queue services exited (code ${code}) before they were ready.`)),
    );
    child.once('error', reject);
  });
  child.removeAllListeners('exit');
  let stopping: Promise<void> | undefined;
  return {
    ...blobQueueEndpoints(host, ports.blobPort, ports.queuePort),
    ...ports,
    pid: child.pid,
    stop: () =>
      (stopping ??= new Promise<void>((resolvePromise) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolvePromise();
        child.once('exit', () => resolvePromise());
        child.send('stop');
      })),
  };
}

/** Where Azurite's blob and queue services at host:ports are (path-style URLs of the emulator account). */
export function blobQueueEndpoints(
  host: string,
  blobPort: number,
  queuePort: number,
): { blobEndpoint: string; queueEndpoint: string } {
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    blobEndpoint: `http://${urlHost}:${blobPort}/${DEV_ACCOUNT_NAME}`,
    queueEndpoint: `http://${urlHost}:${queuePort}/${DEV_ACCOUNT_NAME}`,
  };
}

/** The emulator account's connection string naming each service's endpoint (absent ones left out). */
export function emulatorConnectionString(endpoints: {
  blobEndpoint?: string;
  queueEndpoint?: string;
  tableEndpoint?: string;
}): string {
  const parts = [
    'DefaultEndpointsProtocol=http',
    `AccountName=${DEV_ACCOUNT_NAME}`,
    `AccountKey=${DEV_ACCOUNT_KEY}`,
    endpoints.blobEndpoint && `BlobEndpoint=${endpoints.blobEndpoint}`,
    endpoints.queueEndpoint && `QueueEndpoint=${endpoints.queueEndpoint}`,
    endpoints.tableEndpoint && `TableEndpoint=${endpoints.tableEndpoint}`,
  ];
  return `${parts.filter(Boolean).join(';')};`;
}
