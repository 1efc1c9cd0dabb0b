import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { compiledEntry } from '../shared/compiledEntry.js';
import { describeWriteError, isDiskFull, type WriteHealth } from '../shared/writeHealth.js';
import type { EncodedBody, StoredProperties } from './message.js';
import type { Rule } from './rules.js';
import { toSqlBatch, type SqlBatch, type WriterReply, type WriterRequest } from './sqliteBatch.js';
import type { MessageStore, StoredRow, StoredState } from './store.js';

export const databaseFileName = 'servicebus.db';
const schemaVersion = '2';

type Row = {
  id: number;
  entity: string;
  sequence_number: number;
  message_id: string;
  enqueued_at: number;
  expires_at: number;
  delivery_count: number;
  dead_letter_source: string | null;
  deferred: number;
  properties: string;
  body_kind: EncodedBody['kind'];
  body: Buffer | string;
};

function decodeRow(row: Row): StoredRow {
  const body: EncodedBody =
    row.body_kind === 'bytes' || row.body_kind === 'amqp'
      ? { kind: row.body_kind, data: Buffer.from(row.body) }
      : { kind: row.body_kind, data: String(row.body) };
  return {
    key: row.id,
    entityPath: row.entity,
    sequenceNumber: row.sequence_number,
    messageId: row.message_id,
    enqueuedAt: row.enqueued_at,
    expiresAt: row.expires_at,
    deliveryCount: row.delivery_count,
    deadLetterSource: row.dead_letter_source ?? undefined,
    deferred: row.deferred === 1,
    properties: JSON.parse(row.properties) as StoredProperties,
    body,
  };
}

/**
 * `<dataDir>/servicebus.db`, SQLite in WAL mode with synchronous=FULL: a write resolves only after the WAL is
 * fsynced, so whatever a resolved promise acknowledged survives kill -9 and power loss. The schema is set up and
 * the state loaded on the calling thread; writes go to a worker thread (`sqliteWriter.ts`) with its own
 * connection, in the order they are given.
 */
export function openSqliteStore(dataDir: string): MessageStore {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, databaseFileName);
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  createSchema(db, file);
  const writer = new SqliteWriter(file);
  return {
    load(): StoredState {
      const rows = (db.prepare('SELECT * FROM messages ORDER BY id').all() as Row[]).map(decodeRow);
      const sequences = new Map(
        (db.prepare('SELECT target, last FROM sequences').all() as { target: string; last: number }[]).map((s) => [
          s.target,
          s.last,
        ]),
      );
      const duplicates = (
        db.prepare('SELECT target, message_id, expires_at FROM duplicates ORDER BY expires_at').all() as {
          target: string;
          message_id: string;
          expires_at: number;
        }[]
      ).map((d) => ({ target: d.target, messageId: d.message_id, expiresAt: d.expires_at }));
      const ruleSets = new Map(
        (
          db.prepare('SELECT subscription, rules FROM rule_sets').all() as { subscription: string; rules: string }[]
        ).map((r) => [r.subscription, JSON.parse(r.rules) as Rule[]]),
      );
      db.close();
      return { rows, sequences, duplicates, ruleSets };
    },
    write: (batch) => writer.write(toSqlBatch(batch)),
    check: () => writer.probe(),
    close: async () => {
      if (db.open) db.close();
      await writer.close();
    },
    health: () => writer.health(),
  };
}

/** Creates the tables, or brings a version-1 database (before deferral and rule changes) up to date. */
function createSchema(db: Database.Database, file: string): void {
  db.exec(`
    CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE IF NOT EXISTS messages (
      id INTEGER PRIMARY KEY,
      entity TEXT NOT NULL,
      sequence_number INTEGER NOT NULL,
      message_id TEXT NOT NULL,
      enqueued_at INTEGER NOT NULL,
      expires_at INTEGER NOT NULL,
      delivery_count INTEGER NOT NULL,
      dead_letter_source TEXT,
      deferred INTEGER NOT NULL DEFAULT 0,
      properties TEXT NOT NULL,
      body_kind TEXT NOT NULL,
      body BLOB NOT NULL
    );
    CREATE TABLE IF NOT EXISTS sequences (target TEXT PRIMARY KEY, last INTEGER NOT NULL);
    CREATE TABLE IF NOT EXISTS duplicates (
      target TEXT NOT NULL, message_id TEXT NOT NULL, expires_at INTEGER NOT NULL,
      PRIMARY KEY (target, message_id)
    );
    CREATE INDEX IF NOT EXISTS duplicates_by_expiry ON duplicates (target, expires_at);
    CREATE TABLE IF NOT EXISTS rule_sets (subscription TEXT PRIMARY KEY, rules TEXT NOT NULL);
  `);
  const version = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('schema') as string | undefined;
  if (version === '1') {
    db.transaction(() => {
      db.exec('ALTER TABLE messages ADD COLUMN deferred INTEGER NOT NULL DEFAULT 0');
      db.prepare('UPDATE meta SET value = ? WHERE key = ?').run(schemaVersion, 'schema');
    })();
  } else if (version === undefined) {
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema', schemaVersion);
  } else if (version !== schemaVersion) {
    db.close();
    throw new Error(`${file} has schema version ${version}; this broker reads ${schemaVersion}.`);
  }
}

/**
 * A batch the store could not write; nothing of it was applied. `code` is SQLite's: `SQLITE_FULL` when the disk
 * is full (the next write succeeds once there is room again).
 */
export class StoreWriteError extends Error {
  override readonly name = 'StoreWriteError';

  constructor(
    message: string,
    readonly code: string | undefined,
  ) {
    super(`Service Bus store write failed: ${message}`);
  }
}

/** The main thread's side of the writer thread: one promise per batch, settled by the thread's reply. */
class SqliteWriter {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(): void; reject(error: Error): void }>();
  #nextId = 1;
  #failure: Error | undefined;
  #closed: Promise<void> | undefined;
  #health: WriteHealth = { diskFull: false };

  constructor(file: string) {
    this.#worker = new Worker(compiledEntry(import.meta.url, 'sqliteWriter.js'), { workerData: { file } });
    // Idle, the thread must not keep the process alive; with a write in flight it must (see write).
    this.#worker.unref();
    this.#worker.on('message', (reply: WriterReply) => {
      const waiter = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (this.#pending.size === 0) this.#worker.unref();
      if (reply.kind === 'written') {
        this.#health = { diskFull: false, lastWriteError: this.#health.lastWriteError };
        waiter?.resolve();
      } else {
        const error = new StoreWriteError(reply.message, reply.code);
        this.#health = { diskFull: isDiskFull(error), lastWriteError: describeWriteError(error) };
        waiter?.reject(error);
      }
    });
    this.#worker.on('error', (error) => this.#fail(error));
    this.#worker.on('exit', (code) => this.#fail(new Error(`The Service Bus store writer exited (code ${code}).`)));
  }

  write(batch: SqlBatch): Promise<void> {
    return this.#send((id) => ({ kind: 'write', id, batch }));
  }

  /** A small write after every pending one: resolves when it committed, so the thread and the file are alive. */
  probe(): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('The Service Bus store is closed.'));
    return this.#send((id) => ({ kind: 'probe', id }));
  }

  #send(request: (id: number) => WriterRequest): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.ref();
      this.#worker.postMessage(request(id));
    });
  }

  health(): WriteHealth {
    return this.#failure ? { diskFull: false, lastWriteError: this.#failure.message } : this.#health;
  }

  /** The thread checkpoints, closes its connection and ends; resolves when it has. */
  close(): Promise<void> {
    this.#closed ??= new Promise<void>((resolve) => {
      if (this.#failure) return resolve();
      this.#worker.ref();
      this.#worker.once('exit', () => resolve());
      this.#worker.postMessage({ kind: 'close' } satisfies WriterRequest);
    });
    return this.#closed;
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    for (const waiter of this.#pending.values()) waiter.reject(this.#failure);
    this.#pending.clear();
  }
}
