// Worker thread that owns the broker's write connection. A commit with synchronous=FULL waits for an fsync
// (about a millisecond here, more when the disk is busy); on the main thread that wait would stall every HTTP
// request and WebSocket of the stack, so commits happen here while the event loop goes on.
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import {
  insertNumbers,
  type InsertColumns,
  type SqlBatch,
  type WriterReply,
  type WriterRequest,
} from './sqliteBatch.js';

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

function insertRows(rows: InsertColumns): void {
  const { numbers: n, entities, messageIds, deadLetterSources, properties, bodyKinds, bodies } = rows;
  for (let i = 0, at = 0; i < entities.length; i++, at += insertNumbers) {
    const body = bodies[i]!;
    const data = typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
    insert.run(
      n[at],
      entities[i],
      n[at + 1],
      messageIds[i],
      n[at + 2],
      n[at + 3],
      n[at + 4],
      deadLetterSources[i],
      n[at + 5],
      properties[i],
      bodyKinds[i],
      data,
    );
  }
}

type Work = Exclude<WriterRequest, { kind: 'close' }>;

function apply(request: Work): void {
  if (request.kind === 'probe') {
    probe.run(String(Date.now()));
    return;
  }
  const batch: SqlBatch = request.batch;
  insertRows(batch.inserts);
  for (const row of batch.updates) update.run(...row);
  for (const row of batch.counts) updateCount.run(...row);
  for (const key of batch.deletes) remove.run(key);
  for (const row of batch.sequences) saveSequence.run(...row);
  for (const row of batch.duplicates) saveDuplicate.run(...row);
  for (const row of batch.prunes) prune.run(...row);
  for (const row of batch.ruleSets) saveRules.run(...row);
}

/** Every request in one transaction, in order: one fsync for all that queued up while the last one ran. */
const applyAll = db.transaction((requests: Work[]) => requests.forEach(apply));

function failed(request: Work, error: unknown): WriterReply {
  // The transaction was rolled back: nothing of the batch is on disk, and the connection stays usable.
  const { message, code } = error as Error & { code?: unknown };
  return { kind: 'failed', id: request.id, message, ...(typeof code === 'string' ? { code } : {}) };
}

/**
 * Commits the requests together; if that fails, one by one in order, so a batch fails only for a reason of its
 * own (each is still all or nothing).
 */
function commit(requests: Work[]): void {
  try {
    applyAll(requests);
    for (const { id } of requests) port.postMessage({ kind: 'written', id } satisfies WriterReply);
    return;
  } catch (error) {
    if (requests.length === 1) {
      port.postMessage(failed(requests[0]!, error));
      return;
    }
  }
  for (const request of requests) {
    try {
      applyAll([request]);
      port.postMessage({ kind: 'written', id: request.id } satisfies WriterReply);
    } catch (error) {
      port.postMessage(failed(request, error));
    }
  }
}

function close(): never {
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  process.exit(0); // ends this thread only
}

// Under load the main thread hands over a batch while the previous one is being fsynced: whatever queued up in
// the meantime is taken at once and committed together, so the number of fsyncs follows the disk, not the load.
port.on('message', (first: WriterRequest) => {
  const requests: Work[] = [];
  for (let request: WriterRequest | undefined = first; request;) {
    if (request.kind === 'close') {
      commit(requests);
      close();
    }
    requests.push(request);
    request = receiveMessageOnPort(port)?.message as WriterRequest | undefined;
  }
  commit(requests);
});
