import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { WriteHealth } from '../shared/writeHealth.js';
import { holdResponse } from './heldResponse.js';
import { LokiJournal, type LokiDatabase } from './lokiJournal.js';
import { answerUnjournaled } from './tableErrors.js';

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
export function journalWrites(tableServer: object, dbFile: string): { health(): WriteHealth } {
  const { httpServer, metadataStore: store } = internalsOf(tableServer);
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
  return { health: () => journal?.health() ?? { diskFull: false } };
}

/** Azurite's internals this module patches, checked: a later Azurite that moved them fails here, loudly. */
function internalsOf(tableServer: object): AzuriteTableInternals {
  const { httpServer, metadataStore } = tableServer as Partial<AzuriteTableInternals>;
  if (typeof httpServer?.listeners !== 'function' || typeof metadataStore?.init !== 'function') {
    throw new Error(
      "This Azurite's TableServer has no httpServer or metadataStore: the write journal was built against " +
        'Azurite 3.35 and needs updating for this version.',
    );
  }
  return { httpServer, metadataStore };
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
      `This Azurite's table store has no ${missing.join(', ')}: the write journal was built against Azurite 3.35 ` +
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
