import type { WriteHealth } from '../shared/writeHealth.js';
import type { MessageRecord } from './entities.js';
import type { EncodedBody, StoredProperties } from './message.js';
import type { Rule } from './rules.js';

/** A message as stored, before it is attached to a live entity. */
export type StoredRow = {
  key: number;
  entityPath: string;
  sequenceNumber: number;
  messageId: string;
  enqueuedAt: number;
  expiresAt: number;
  deliveryCount: number;
  deadLetterSource: string | undefined;
  deferred: boolean;
  properties: StoredProperties;
  body: EncodedBody;
};

export type StoredState = {
  rows: StoredRow[];
  /** Send target path → last sequence number handed out. */
  sequences: Map<string, number>;
  duplicates: { target: string; messageId: string; expiresAt: number }[];
  /** Subscription path → its rules, for subscriptions whose rules a client changed. */
  ruleSets: Map<string, Rule[]>;
};

/** Everything one group commit changes, written in one transaction. */
export type WriteBatch = {
  inserts: MessageRecord[];
  /** Rows whose entity, properties, dead-letter source or deferral changed (and maybe the delivery count). */
  updates: MessageRecord[];
  /** Rows whose delivery count alone changed. */
  deliveryCounts: MessageRecord[];
  deletes: number[];
  sequences: { target: string; last: number }[];
  duplicates: { target: string; messageId: string; expiresAt: number }[];
  /** Drop duplicate-detection history of `target` that expired at or before `before`. */
  prunes: { target: string; before: number }[];
  ruleSets: { subscription: string; rules: Rule[] }[];
};

export interface MessageStore {
  /** Writes resolve at once (nothing to overlap a commit with, so batches are never cut early). */
  readonly immediate?: boolean;
  load(): StoredState;
  /** Resolves once the batch is durable (or rejects, leaving nothing of it applied); batches apply in call order. */
  write(batch: WriteBatch): Promise<void>;
  /** Resolves once a small write went through after every pending one; rejects with why the store cannot write. */
  check(): Promise<void>;
  /** Writes nothing more; resolves once the store is closed. */
  close(): Promise<void>;
  /** Whether the last write failed for want of disk space, and the last failure. */
  health(): WriteHealth;
}

/** `inMemory: true`: same commit path, nothing kept. */
export const memoryStore: MessageStore = {
  immediate: true,
  load: () => ({ rows: [], sequences: new Map(), duplicates: [], ruleSets: new Map() }),
  write: () => Promise.resolve(),
  check: () => Promise.resolve(),
  close: () => Promise.resolve(),
  health: () => ({ diskFull: false }),
};
