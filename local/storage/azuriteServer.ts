import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { LokiJournal, type LokiDatabase } from './lokiJournal.js';

export type AzuriteServerOptions = { host: string; port: number; dataDir?: string; inMemory?: boolean };

const require = createRequire(import.meta.url);
const DB_FILE = '__azurite_db_table__.json';

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
    join(dataDir, DB_FILE),
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
  if (!options.inMemory) journalWrites(server as unknown as AzuriteTableInternals, join(dataDir, DB_FILE));
  try {
    await server.start();
  } catch (error) {
    throw new Error(`Azurite table service could not start on ${host}:${port}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return { port: Number(new URL(server.getHttpServerAddress()).port), close: () => server.close() };
}

/** The parts of Azurite's TableServer that durability needs; not in its typings. */
type AzuriteTableInternals = {
  httpServer: Server;
  metadataStore: { db: LokiDatabase; init(): Promise<void>; close(): Promise<void> };
};

/**
 * Azurite's table store (LokiJS) answers writes at once and saves its whole database file only every 5 s, so a
 * kill -9 would lose writes it had acknowledged; saving the whole file before each answer instead costs more the
 * more data there is. So each write's changes go to an append-only journal (`LokiJournal`), and the answer to
 * every write waits until the journal holds them on disk; writes arriving meanwhile share the next append.
 * The journal is replayed at start and folded back into Azurite's own file at a clean stop.
 */
function journalWrites(server: AzuriteTableInternals, dbFile: string): void {
  const { httpServer, metadataStore: store } = server;
  let journal: LokiJournal | undefined;
  const init = store.init.bind(store);
  const close = store.close.bind(store);
  store.init = async () => {
    await init();
    journal = await LokiJournal.open(store.db, dbFile);
  };
  store.close = async () => {
    await journal?.close();
    journal = undefined;
    await close();
  };

  const listeners = httpServer.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  httpServer.removeAllListeners('request');
  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      res.end = ((...args: unknown[]) => {
        if (!journal) return end(...args);
        journal.flush((error) => {
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
