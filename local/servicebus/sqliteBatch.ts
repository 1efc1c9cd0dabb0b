import type { WriteBatch } from './store.js';

/** A write batch as statement parameters: plain data that can cross to the writer thread. */
export type SqlBatch = {
  inserts: [
    id: number,
    entity: string,
    sequenceNumber: number,
    messageId: string,
    enqueuedAt: number,
    expiresAt: number,
    deliveryCount: number,
    deadLetterSource: string | null,
    deferred: number,
    properties: string,
    bodyKind: string,
    body: string | Uint8Array,
  ][];
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
    inserts: batch.inserts.map((r) => [
      r.key,
      r.entity.path,
      r.sequenceNumber,
      r.messageId,
      r.enqueuedAt,
      r.expiresAt,
      r.deliveryCount,
      r.deadLetterSource ?? null,
      r.deferred ? 1 : 0,
      JSON.stringify(r.properties),
      r.body.kind,
      r.body.data,
    ]),
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
