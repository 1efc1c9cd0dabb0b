import { mkdir } from 'node:fs/promises';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type { WriteHealth } from '../shared/writeHealth.js';
import { holdResponse } from './heldResponse.js';
import { LokiJournal, type LokiDatabase } from './lokiJournal.js';
import { answerUnjournaled } from './tableErrors.js';

export type AzuriteServerOptions = { host: string; port: number; dataDir?: string; inMemory?: boolean };

const require = createRequire(import.meta.url);
const DB_FILE = '__azurite_db_table__.json';

export type AzuriteTableServer = { port: number; close(): Promise<void>; health(): WriteHealth };

/** Runs Azurite's table service in this process; returns the port it listens on, its health and how to stop it. */
export async function runAzuriteTableServer(options: AzuriteServerOptions): Promise<AzuriteTableServer> {
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
  const journaled = options.inMemory
    ? undefined
    : journalWrites(server as unknown as AzuriteTableInternals, join(dataDir, DB_FILE));
  try {
    await server.start();
  } catch (error) {
    throw new Error(`Azurite table service could not start on ${host}:${port}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return {
    port: Number(new URL(server.getHttpServerAddress()).port),
    close: () => server.close(),
    health: () => journaled?.journal()?.health() ?? { diskFull: false },
  };
}

/** The parts of Azurite's TableServer that durability needs; not in its typings. */
type AzuriteTableInternals = {
  httpServer: Server;
  metadataStore: TableStore;
};
type TableStore = { db: LokiDatabase; init(): Promise<void>; close(): Promise<void> } & Record<
  (typeof STORE_WRITES)[number] | 'beginBatchTransaction' | 'endBatchTransaction',
  (...args: unknown[]) => Promise<unknown>
>;

/** The table store's operations that change data (Azurite's ITableMetadataStore, 3.35). */
const STORE_WRITES = [
  'createTable',
  'deleteTable',
  'setTableACL',
  'insertTableEntity',
  'insertOrUpdateTableEntity',
  'insertOrMergeTableEntity',
  'deleteTableEntity',
  'updateTableEntity',
  'mergeTableEntity',
  'setServiceProperties',
] as const;

/** Methods that only read; every other request may write, and is turned away while the disk is full. */
const READ_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Azurite's table store (LokiJS) answers writes at once and saves its whole database file only every 5 s, so a
 * kill -9 would lose writes it had acknowledged; saving the whole file before each answer instead costs more the
 * more data there is. So each write's changes go to an append-only journal (`LokiJournal`), and every answer
 * waits until the journal holds on disk whatever changed before it; answers arriving meanwhile share the next
 * append. Reads wait too, so nothing that could still be undone is ever shown. The journal is replayed at start
 * and folded back into Azurite's own file at a clean stop.
 */
function journalWrites(server: AzuriteTableInternals, dbFile: string): { journal(): LokiJournal | undefined } {
  const { httpServer, metadataStore: store } = server;
  let journal: LokiJournal | undefined;
  const init = store.init.bind(store);
  const close = store.close.bind(store);
  store.init = async () => {
    await init();
    journal = await LokiJournal.open(store.db, dbFile);
    fenceWrites(store, journal);
  };
  store.close = async () => {
    await journal?.close();
    journal = undefined;
    await close();
  };

  const listeners = httpServer.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  httpServer.removeAllListeners('request');
  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const current = journal;
    if (current) {
      const refusal = READ_METHODS.has(req.method ?? 'GET') ? undefined : current.refusal();
      if (refusal) {
        req.resume();
        answerUnjournaled(res, refusal);
        return;
      }
      holdResponse(res, (held) =>
        current.flush((error) => {
          if (!error) return held.send();
          held.release();
          answerUnjournaled(res, error);
        }),
      );
    }
    for (const listener of listeners) listener.call(httpServer, req, res);
  });
  return { journal: () => journal };
}

/**
 * Holds the journal for the length of every store operation that writes, and from the start to the end of a
 * batch transaction, so all the changes of one Azurite write share one journal line.
 */
function fenceWrites(store: TableStore, journal: LokiJournal): void {
  const missing = [...STORE_WRITES, 'beginBatchTransaction', 'endBatchTransaction'].filter(
    (name) => typeof store[name as keyof TableStore] !== 'function',
  );
  if (missing.length > 0) {
    throw new Error(
      `This Azurite's table store has no ${missing.join(', ')}: the journal was built against Azurite 3.35 ` +
        'and needs updating for this version.',
    );
  }
  for (const name of STORE_WRITES) {
    const operation = store[name].bind(store);
    store[name] = async (...args: unknown[]) => {
      const release = journal.hold();
      try {
        return await operation(...args);
      } finally {
        release();
      }
    };
  }
  // Azurite runs one batch at a time (it refuses an overlapping one), so one release is enough.
  let releaseBatch: (() => void) | undefined;
  const begin = store.beginBatchTransaction.bind(store);
  const end = store.endBatchTransaction.bind(store);
  store.beginBatchTransaction = async (...args: unknown[]) => {
    const result = await begin(...args);
    releaseBatch?.(); // a batch that never reached its end must not hold the journal for good
    releaseBatch = journal.hold();
    return result;
  };
  store.endBatchTransaction = async (...args: unknown[]) => {
    try {
      return await end(...args);
    } finally {
      releaseBatch?.();
      releaseBatch = undefined;
    }
  };
}
