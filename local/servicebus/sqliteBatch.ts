import type { MessageRecord } from './entities.js';
import type { WriteBatch } from './store.js';

/**
 * Inserted rows by column: the numbers of all rows in one typed array, each text column in one array. The
 * writer thread deserialises that about three times faster than an array per row (measured on 126 rows: 80–100
 * against 260–390 µs of CPU), and this thread serialises it as fast; inserts are most of every batch.
 */
export type InsertColumns = {
  /** Per row, in this order: id, sequence number, enqueued at, expires at, delivery count, deferred (0 or 1). */
  numbers: Float64Array;
  entities: string[];
  messageIds: string[];
  deadLetterSources: (string | null)[];
  properties: string[];
  bodyKinds: string[];
  /** A Buffer arrives as a plain Uint8Array after the thread hop. */
  bodies: (string | Uint8Array)[];
};

/** Numbers per inserted row in `InsertColumns.numbers`. */
export const insertNumbers = 6;

/** A write batch as statement parameters: plain data that can cross to the writer thread. */
export type SqlBatch = {
  inserts: InsertColumns;
  updates: [
    entity: string,
    deliveryCount: number,
    deadLetterSource: string | null,
    deferred: number,
    properties: string,
    id: number,
  ][];
  counts: [deliveryCount: number, id: number][];
  deletes: number[];
  sequences: [target: string, last: number][];
  duplicates: [target: string, messageId: string, expiresAt: number][];
  prunes: [target: string, before: number][];
  ruleSets: [subscription: string, rules: string][];
};

export type WriterRequest =
  { kind: 'write'; id: number; batch: SqlBatch } | { kind: 'probe'; id: number } | { kind: 'close' };
/** `code`: SQLite's (`SQLITE_FULL` when the disk is full), so the failure stays recognisable past the thread. */
export type WriterReply =
  { kind: 'written'; id: number } | { kind: 'failed'; id: number; message: string; code?: string };

/** The records' state now, as parameters; records keep changing after this, the batch does not. */
export function toSqlBatch(batch: WriteBatch): SqlBatch {
  return {
    inserts: insertColumns(batch.inserts),
    updates: batch.updates.map((r) => [
      r.entity.path,
      r.deliveryCount,
      r.deadLetterSource ?? null,
      r.deferred ? 1 : 0,
      JSON.stringify(r.properties),
      r.key,
    ]),
    counts: batch.deliveryCounts.map((r) => [r.deliveryCount, r.key]),
    deletes: batch.deletes,
    sequences: batch.sequences.map((s) => [s.target, s.last]),
    duplicates: batch.duplicates.map((d) => [d.target, d.messageId, d.expiresAt]),
    prunes: batch.prunes.map((p) => [p.target, p.before]),
    ruleSets: batch.ruleSets.map((r) => [r.subscription, JSON.stringify(r.rules)]),
  };
}

function insertColumns(records: MessageRecord[]): InsertColumns {
  const columns: InsertColumns = {
    numbers: new Float64Array(records.length * insertNumbers),
    entities: [],
    messageIds: [],
    deadLetterSources: [],
    properties: [],
    bodyKinds: [],
    bodies: [],
  };
  const n = columns.numbers;
  records.forEach((r, i) => {
    const at = i * insertNumbers;
    n[at] = r.key;
    n[at + 1] = r.sequenceNumber;
    n[at + 2] = r.enqueuedAt;
    n[at + 3] = r.expiresAt;
    n[at + 4] = r.deliveryCount;
    n[at + 5] = r.deferred ? 1 : 0;
    columns.entities.push(r.entity.path);
    columns.messageIds.push(r.messageId);
    columns.deadLetterSources.push(r.deadLetterSource ?? null);
    columns.properties.push(JSON.stringify(r.properties));
    columns.bodyKinds.push(r.body.kind);
    columns.bodies.push(r.body.data);
  });
  return columns;
}
