import { SupervisedAzurite } from './azuriteSupervisor.js';
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME, emulatorServiceUrl } from './emulatorAccount.js';

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
  /** The Azurite process they run in (which may run the table service too). */
  readonly pid: number | undefined;
  /** Stops the blob and queue services (and their process, when nothing else runs there). Idempotent. */
  stop(): Promise<void>;
};

/**
 * Starts Azurite's blob and queue services on their own, in a supervised Azurite process. The stack instead
 * starts them in its Azurite process next to the table service (`AzuriteHandle.startBlobQueue`).
 */
export function startAzuriteBlobQueue(options: BlobQueueOptions = {}): Promise<BlobQueueHandle> {
  const host = options.host ?? '127.0.0.1';
  const azurite = new SupervisedAzurite({
    host,
    dataDir: options.dataDir,
    inMemory: options.inMemory,
    log: (message) => process.stderr.write(`${message}\n`),
  });
  return blobQueueHandle(azurite, host, options);
}

/** Starts (or finds) the blob and queue services in `azurite`. */
export async function blobQueueHandle(
  azurite: SupervisedAzurite,
  host: string,
  ports: { blobPort?: number; queuePort?: number } = {},
): Promise<BlobQueueHandle> {
  const { blobPort, queuePort } = await azurite.start({
    service: 'blobQueue',
    blobPort: ports.blobPort ?? 0,
    queuePort: ports.queuePort ?? 0,
  });
  let stopping: Promise<void> | undefined;
  return {
    ...blobQueueEndpoints(host, blobPort, queuePort),
    blobPort,
    queuePort,
    get pid() {
      return azurite.pid;
    },
    stop: () => (stopping ??= azurite.close('blobQueue')),
  };
}

/** Where Azurite's blob and queue services at host:ports are (path-style URLs of the emulator account). */
export function blobQueueEndpoints(
  host: string,
  blobPort: number,
  queuePort: number,
): { blobEndpoint: string; queueEndpoint: string } {
  return { blobEndpoint: emulatorServiceUrl(host, blobPort), queueEndpoint: emulatorServiceUrl(host, queuePort) };
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
