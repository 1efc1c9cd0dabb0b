import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

export type AzuriteServerOptions = { host: string; port: number; dataDir?: string; inMemory?: boolean };

const require = createRequire(import.meta.url);

/** Runs Azurite's table service in this process; returns the port it listens on and how to stop it. */
export async function runAzuriteTableServer(
  options: AzuriteServerOptions,
): Promise<{ port: number; close(): Promise<void> }> {
  const { host, port } = options;
  const { default: TableConfiguration } =
    require('azurite/dist/src/table/TableConfiguration.js') as typeof import('azurite/dist/src/table/TableConfiguration.js');
  const { default: TableServer } =
    require('azurite/dist/src/table/TableServer.js') as typeof import('azurite/dist/src/table/TableServer.js');
  const dataDir = resolve(options.dataDir ?? '.local/azurite');
  if (!options.inMemory) await mkdir(dataDir, { recursive: true });
  const config = new TableConfiguration(
    host,
    port,
    undefined,
    join(dataDir, '__azurite_db_table__.json'),
    false, // debug log
    false, // access log
    undefined,
    undefined,
    true, // loose: ignore headers Azurite does not implement instead of failing
    true, // skipApiVersionCheck: newer SDKs send API versions Azurite has not heard of
    '',
    '',
    '',
    undefined,
    false,
    options.inMemory ?? false,
  );
  const server = new TableServer(config);
  try {
    await server.start();
  } catch (error) {
    throw new Error(`Azurite table service could not start on ${host}:${port}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!options.inMemory) saveBeforeAnswering(server as unknown as AzuriteTableInternals);
  return { port: Number(new URL(server.getHttpServerAddress()).port), close: () => server.close() };
}

/** The two parts of Azurite's TableServer that durability needs; not in its typings. */
type AzuriteTableInternals = {
  httpServer: Server;
  metadataStore: { db: { saveDatabase(callback: (error?: Error | null) => void): void } };
};

/**
 * Azurite's table store (LokiJS) answers writes at once but saves its file only every 5 s, so a kill -9 would
 * lose writes it had acknowledged. Holding back the answer to every write until a save has finished makes an
 * acknowledged write durable against a crash of the process. LokiJS merges saves requested while one is running
 * into the next, so under load many writes share one save.
 */
function saveBeforeAnswering(server: AzuriteTableInternals): void {
  const { httpServer } = server;
  const { db } = server.metadataStore;
  const listeners = httpServer.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  httpServer.removeAllListeners('request');
  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      res.end = ((...args: unknown[]) => {
        db.saveDatabase((error) => {
          // An unsaved write must not look acknowledged: drop the connection instead of answering.
          if (error) res.destroy(error);
          else end(...args);
        });
        return res;
      }) as ServerResponse['end'];
    }
    for (const listener of listeners) listener.call(httpServer, req, res);
  });
}
