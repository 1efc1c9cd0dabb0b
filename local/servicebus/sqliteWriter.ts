// Worker thread that owns the broker's write connection. A commit with synchronous=FULL waits for an fsync
// (about a millisecond here, more when the disk is busy); on the main thread that wait would stall every HTTP
// request and WebSocket of the stack, so commits happen here while the event loop goes on.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { SqlBatch, WriterReply, WriterRequest } from './sqliteBatch.js';

const port = parentPort!;
const db = new Database((workerData as { file: string }).file);
db.pragma('synchronous = FULL');
// Rows are inserted and soon deleted all over the table; the default 2 MB page cache makes that I/O-bound.
db.pragma('cache_size = -65536');

const insert = db.prepare(
  `INSERT INTO messages (id, entity, sequence_number, message_id, enqueued_at, expires_at, delivery_count,
     dead_letter_source, deferred, properties, body_kind, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
);
const update = db.prepare(
  'UPDATE messages SET entity = ?, delivery_count = ?, dead_letter_source = ?, deferred = ?, properties = ? WHERE id = ?',
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
const saveRules = db.prepare(
  'INSERT INTO rule_sets (subscription, rules) VALUES (?, ?) ON CONFLICT (subscription) DO UPDATE SET rules = excluded.rules',
);
// The health check's write: one small committed row, so it proves the file takes writes right now.
const probe = db.prepare(
  "INSERT INTO meta (key, value) VALUES ('probe', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
);

const write = db.transaction((batch: SqlBatch) => {
  for (const row of batch.inserts) {
    const body = row[11];
    // A Buffer arrives as a plain Uint8Array after the thread hop.
    insert.run(...row.slice(0, 11), typeof body === 'string' ? body : Buffer.from(body));
  }
  for (const row of batch.updates) update.run(...row);
  for (const row of batch.counts) updateCount.run(...row);
  for (const key of batch.deletes) remove.run(key);
  for (const row of batch.sequences) saveSequence.run(...row);
  for (const row of batch.duplicates) saveDuplicate.run(...row);
  for (const row of batch.prunes) prune.run(...row);
  for (const row of batch.ruleSets) saveRules.run(...row);
});

port.on('message', (request: WriterRequest) => {
  if (request.kind === 'close') {
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    process.exit(0); // ends this thread only
  }
  try {
    if (request.kind === 'probe') probe.run(String(Date.now()));
    else write(request.batch);
    port.postMessage({ kind: 'written', id: request.id } satisfies WriterReply);
  } catch (error) {
    // The transaction was rolled back: nothing of the batch is on disk, and the connection stays usable.
    const { message, code } = error as Error & { code?: unknown };
    port.postMessage({
      kind: 'failed',
      id: request.id,
      message,
      ...(typeof code === 'string' ? { code } : {}),
    } satisfies WriterReply);
  }
});
