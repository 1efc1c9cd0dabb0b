import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { MessageRecord } from './entities.js';
import type { EncodedBody, StoredProperties } from './message.js';
import type { MessageStore, StoredRow, StoredState, WriteBatch } from './store.js';

export const databaseFileName = 'servicebus.db';
const schemaVersion = '1';

type Row = {
  id: number;
  entity: string;
  sequence_number: number;
  message_id: string;
  enqueued_at: number;
  expires_at: number;
  delivery_count: number;
  dead_letter_source: string | null;
  properties: string;
  body_kind: EncodedBody['kind'];
  body: Buffer | string;
};

function decodeRow(row: Row): StoredRow {
  const body: EncodedBody =
    row.body_kind === 'bytes'
      ? { kind: 'bytes', data: Buffer.from(row.body) }
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
    properties: JSON.parse(row.properties) as StoredProperties,
    body,
  };
}

/**
 * `<dataDir>/servicebus.db`, SQLite in WAL mode with synchronous=FULL: a commit returns only after the WAL is
 * fsynced, so whatever a resolved promise acknowledged survives kill -9 and power loss. Group commit keeps
 * that to one fsync per event-loop turn.
 */
export function openSqliteStore(dataDir: string): MessageStore {
  mkdirSync(dataDir, { recursive: true });
  const db = new Database(join(dataDir, databaseFileName));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  // Rows are inserted and soon deleted all over the table; the default 2 MB page cache makes that I/O-bound.
  db.pragma('cache_size = -65536');
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
  `);
  const version = db.prepare('SELECT value FROM meta WHERE key = ?').pluck().get('schema') as string | undefined;
  if (version === undefined) db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema', schemaVersion);
  else if (version !== schemaVersion) {
    db.close();
    throw new Error(
      `${join(dataDir, databaseFileName)} has schema version ${version}; this broker reads ${schemaVersion}.`,
    );
  }

  const insert = db.prepare(
    `INSERT INTO messages (id, entity, sequence_number, message_id, enqueued_at, expires_at, delivery_count,
       dead_letter_source, properties, body_kind, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const update = db.prepare(
    'UPDATE messages SET entity = ?, delivery_count = ?, dead_letter_source = ?, properties = ? WHERE id = ?',
  );
  const updateCount = db.prepare('UPDATE messages SET delivery_count = ? WHERE id = ?');
  const remove = db.prepare('DELETE FROM messages WHERE id = ?');
  const saveSequence = db.prepare(
    'INSERT INTO sequences (target, last) VALUES (?, ?) ON CONFLICT (target) DO UPDATE SET last = excluded.last',
  );
  const saveDuplicate = db.prepare(
    `INSERT INTO duplicates (target, message_id, expires_at) VALUES (?, ?, ?)
       ON CONFLICT (target, message_id) DO UPDATE SET expires_at = excluded.expires_at`,
  );
  const prune = db.prepare('DELETE FROM duplicates WHERE target = ? AND expires_at <= ?');
  const props = (record: MessageRecord) => JSON.stringify(record.properties);

  const writeBatch = db.transaction((batch: WriteBatch) => {
    for (const r of batch.inserts) {
      insert.run(
        r.key,
        r.entity.path,
        r.sequenceNumber,
        r.messageId,
        r.enqueuedAt,
        r.expiresAt,
        r.deliveryCount,
        r.deadLetterSource ?? null,
        props(r),
        r.body.kind,
        r.body.data,
      );
    }
    for (const r of batch.updates)
      update.run(r.entity.path, r.deliveryCount, r.deadLetterSource ?? null, props(r), r.key);
    for (const r of batch.deliveryCounts) updateCount.run(r.deliveryCount, r.key);
    for (const key of batch.deletes) remove.run(key);
    for (const s of batch.sequences) saveSequence.run(s.target, s.last);
    for (const d of batch.duplicates) saveDuplicate.run(d.target, d.messageId, d.expiresAt);
    for (const p of batch.prunes) prune.run(p.target, p.before);
  });

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
      return { rows, sequences, duplicates };
    },
    write: (batch) => writeBatch(batch),
    close: () => {
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    },
  };
}
