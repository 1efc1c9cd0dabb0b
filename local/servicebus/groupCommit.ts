import type { MessageRecord } from './entities.js';
import type { Rule } from './rules.js';
import type { MessageStore, WriteBatch } from './store.js';

/** What changed on a record since the last commit. */
export const Change = { DeliveryCount: 1, Placement: 2 } as const;
export type Change = (typeof Change)[keyof typeof Change];

/** Writes handed to the store at once: the next batch is built and sent while the previous one is fsynced. */
const MAX_IN_FLIGHT = 2;
/** Below this many waiters a batch is never cut early: light load keeps one commit per event-loop turn. */
const MIN_EARLY_CUT = 32;

type Waiter = {
  resolve: () => void;
  reject: (error: unknown) => void;
  onCommitted?: () => void;
  onFailed?: () => void;
};

/**
 * Collects the changes requested while earlier writes were in flight (at least one event-loop turn) and writes
 * them in one transaction (one fsync), then resolves the promises waiting on them. Changes to the same record
 * coalesce to its final state. Up to two writes are in flight, applied by the store in order: the next batch is
 * built and handed over while the previous one is fsynced.
 */
export class GroupCommit {
  readonly #store: MessageStore;
  #dirty = new Map<MessageRecord, number>();
  #sequences = new Map<string, number>();
  #duplicates: WriteBatch['duplicates'] = [];
  #prunes = new Map<string, number>();
  #ruleSets = new Map<string, Rule[]>();
  #waiters: Waiter[] = [];
  #scheduled: NodeJS.Immediate | undefined;
  /** A write was asked for (a commit() or a change that is not piggyback) and not started yet. */
  #wanted = false;
  #inFlight = 0;
  /**
   * With the writer idle, a batch is handed over once it has this many waiters, without waiting for the end of
   * the turn: half the last batch, so a burst of work released by one commit goes out as two commits, and the
   * writer fsyncs the first half while this thread is still producing the second (see #write).
   */
  #earlyCut = Infinity;
  /** The last write handed to the store; the store applies writes in order. */
  #last: Promise<void> = Promise.resolve();

  constructor(store: MessageStore) {
    this.#store = store;
  }

  /**
   * Marks a record changed. `piggyback` changes wait for the next commit someone asks for instead of causing
   * one: a delivery count written on its own would cost an fsync per receive, and the settlement that follows
   * (complete, abandon, dead-letter) carries it anyway.
   */
  touch(record: MessageRecord, change: Change, options: { piggyback?: boolean } = {}): void {
    this.#dirty.set(record, (this.#dirty.get(record) ?? 0) | change);
    if (!options.piggyback) this.#schedule();
  }

  sequence(target: string, last: number): void {
    this.#sequences.set(target, last);
  }

  duplicate(target: string, messageId: string, expiresAt: number): void {
    this.#duplicates.push({ target, messageId, expiresAt });
  }

  prune(target: string, before: number): void {
    this.#prunes.set(target, before);
  }

  ruleSet(subscription: string, rules: Rule[]): void {
    this.#ruleSets.set(subscription, rules);
  }

  /** Resolves once everything requested so far is durable; `onCommitted` runs just before that. */
  commit(hooks: { onCommitted?: () => void; onFailed?: () => void } = {}): Promise<void> {
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject, ...hooks });
      if (this.#inFlight === 0 && this.#waiters.length >= this.#earlyCut) void this.#write();
      else this.#schedule();
    });
  }

  /** Writes everything pending, piggyback changes included, and resolves once it is on disk (used by close). */
  async flush(): Promise<void> {
    while (this.#inFlight > 0) await this.#last;
    await this.#write();
  }

  #schedule(): void {
    this.#wanted = true;
    // At the limit, a write in flight starts the next one when it ends.
    if (this.#inFlight < MAX_IN_FLIGHT) this.#scheduled ??= setImmediate(() => void this.#write());
  }

  #write(): Promise<void> {
    if (this.#scheduled) clearImmediate(this.#scheduled);
    this.#scheduled = undefined;
    this.#wanted = false;
    const batch: WriteBatch = {
      inserts: [],
      updates: [],
      deliveryCounts: [],
      deletes: [],
      sequences: [...this.#sequences].map(([target, last]) => ({ target, last })),
      duplicates: this.#duplicates,
      prunes: [...this.#prunes].map(([target, before]) => ({ target, before })),
      ruleSets: [...this.#ruleSets].map(([subscription, rules]) => ({ subscription, rules })),
    };
    for (const [record, change] of this.#dirty) {
      if (record.state === 'gone') {
        if (record.persisted) batch.deletes.push(record.key);
      } else if (!record.persisted) batch.inserts.push(record);
      else if (change & Change.Placement) batch.updates.push(record);
      else batch.deliveryCounts.push(record);
    }
    const waiters = this.#waiters;
    if (!this.#store.immediate) this.#earlyCut = Math.max(MIN_EARLY_CUT, Math.ceil(waiters.length / 2));
    this.#dirty = new Map();
    this.#sequences = new Map();
    this.#duplicates = [];
    this.#prunes = new Map();
    this.#ruleSets = new Map();
    this.#waiters = [];
    // The store applies writes in order, so a later batch may already delete or update these rows.
    for (const record of batch.inserts) record.persisted = true;
    this.#inFlight++;
    const written = this.#store.write(batch).then(
      () => {
        for (const waiter of waiters) {
          waiter.onCommitted?.();
          waiter.resolve();
        }
      },
      (error: unknown) => {
        for (const record of batch.inserts) record.persisted = false;
        // Background writes (delivery counts, settlements nobody awaits) have no promise to fail.
        if (waiters.length === 0)
          process.emitWarning(`Service Bus broker could not persist a change: ${String(error)}`);
        for (const waiter of waiters) {
          waiter.onFailed?.();
          waiter.reject(error);
        }
      },
    );
    this.#last = written;
    return written.finally(() => {
      this.#inFlight--;
      if (this.#wanted) this.#schedule();
    });
  }
}
