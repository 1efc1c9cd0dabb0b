import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { join, resolve } from 'node:path';
import type AzuriteServer from 'azurite/dist/src/common/ServerBase.js';
import { azuriteModule } from './azuriteModule.js';

export type BlobQueueServerOptions = {
  host: string;
  blobPort: number;
  queuePort: number;
  dataDir?: string;
  inMemory?: boolean;
};

/** The parts of Azurite's blob and queue servers that durability needs; not in its typings. */
type LokiDb = { collections: { dirty: boolean }[]; saveDatabase(callback: (error?: Error | null) => void): void };
type ServerInternals = { httpServer: Server; metadataStore: { db: LokiDb }; extentMetadataStore: { db: LokiDb } };

/** Runs Azurite's blob and queue services in this process; returns their ports and how to stop them. */
export async function runAzuriteBlobQueueServers(
  options: BlobQueueServerOptions,
): Promise<{ blobPort: number; queuePort: number; close(): Promise<void> }> {
  const dataDir = resolve(options.dataDir ?? '.local/azurite');
  const inMemory = options.inMemory ?? false;
  if (!inMemory) await mkdir(dataDir, { recursive: true });
  const { default: BlobConfiguration } = azuriteModule(await import('azurite/dist/src/blob/BlobConfiguration.js'));
  const { default: QueueConfiguration } = azuriteModule(await import('azurite/dist/src/queue/QueueConfiguration.js'));
  const { default: BlobServer } = azuriteModule(await import('azurite/dist/src/blob/BlobServer.js'));
  const { default: QueueServer } = azuriteModule(await import('azurite/dist/src/queue/QueueServer.js'));
  const configure = (Configuration: typeof BlobConfiguration, kind: 'blob' | 'queue', port: number) =>
    new Configuration(
      options.host,
      port,
      undefined,
      join(dataDir, `__azurite_db_${kind}__.json`),
      join(dataDir, `__azurite_db_${kind}_extent__.json`),
      [{ locationId: 'Default', locationPath: join(dataDir, `__${kind}storage__`), maxConcurrency: 10 }],
      false, // access log
      undefined,
      false, // debug log
      undefined,
      true, // loose: ignore headers Azurite does not implement instead of failing
      true, // skipApiVersionCheck: newer SDKs send API versions Azurite has not heard of
      '',
      '',
      '',
      undefined,
      false,
      inMemory,
    );
  const blob = new BlobServer(configure(BlobConfiguration, 'blob', options.blobPort));
  const queue = new QueueServer(configure(QueueConfiguration, 'queue', options.queuePort));
  if (!inMemory) for (const server of [blob, queue]) saveBeforeAnswering(server as unknown as ServerInternals);
  await startBoth(blob, queue, options);
  const portOf = (server: AzuriteServer) => Number(new URL(server.getHttpServerAddress()).port);
  return {
    blobPort: portOf(blob),
    queuePort: portOf(queue),
    close: async () => void (await Promise.all([blob.close(), queue.close()])),
  };
}

async function startBoth(blob: AzuriteServer, queue: AzuriteServer, options: BlobQueueServerOptions): Promise<void> {
  const start = async (server: AzuriteServer, name: string, port: number) => {
    try {
      await server.start();
    } catch (error) {
      throw new Error(
        `Azurite ${name} service could not start on ${options.host}:${port}: ${(error as Error).message}`,
        {
          cause: error,
        },
      );
    }
  };
  try {
    await Promise.all([start(blob, 'blob', options.blobPort), start(queue, 'queue', options.queuePort)]);
  } catch (error) {
    // The process goes on serving tables: neither service may stay half started.
    await Promise.allSettled([blob.close(), queue.close()]);
    throw error;
  }
}

/**
 * Azurite keeps blob and queue metadata (which blobs exist, which messages are queued, their visibility and
 * dequeue counts) in LokiJS databases it saves only every 5 s; the data itself is already in files. So that a
 * kill -9 loses nothing acknowledged, every answer that follows a change waits until both databases are saved
 * (LokiJS writes a temporary file and renames it). Answers that arrive while a save runs share the next one.
 * Whole-file saves cost more as metadata grows; the table service's journal is the cheaper scheme if that matters.
 */
function saveBeforeAnswering(server: ServerInternals): void {
  const databases = [server.metadataStore.db, server.extentMetadataStore.db];
  const { httpServer } = server;
  const listeners = httpServer.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  httpServer.removeAllListeners('request');
  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      const dirty = databases.filter((db) => db.collections.some((c) => c.dirty));
      if (dirty.length === 0) return end(...args);
      void Promise.all(dirty.map(save)).then(
        () => end(...args),
        // A change that is not on disk must not look acknowledged: drop the connection instead of answering.
        (error: Error) => res.destroy(error),
      );
      return res;
    }) as ServerResponse['end'];
    for (const listener of listeners) listener.call(httpServer, req, res);
  });
}

function save(db: LokiDb): Promise<void> {
  return new Promise((resolvePromise, reject) =>
    db.saveDatabase((error) => (error ? reject(error) : resolvePromise())),
  );
}
