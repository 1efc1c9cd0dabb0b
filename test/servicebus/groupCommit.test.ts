import { afterAll, describe, expect, it } from 'vitest';
import { Entity, type MessageRecord } from '../../local/servicebus/entities.js';
import { Change, GroupCommit } from '../../local/servicebus/groupCommit.js';
import { openSqliteStore } from '../../local/servicebus/sqliteStore.js';
import type { MessageStore, WriteBatch } from '../../local/servicebus/store.js';
import { tempDir } from './helpers.js';

const entity = new Entity('jobs', 'queue', 30_000, 3, 600_000, false);

function record(key: number): MessageRecord {
  return {
    key,
    entity,
    sequenceNumber: key,
    messageId: `m${key}`,
    enqueuedAt: 0,
    expiresAt: 600_000,
    deliveryCount: 0,
    deadLetterSource: undefined,
    properties: { applicationProperties: {} },
    body: { kind: 'string', data: `body ${key}` },
    state: 'pending',
    deferred: false,
    persisted: false,
    lock: undefined,
  };
}

/** A store whose writes finish when the test says, so the order of hand-over and release can be watched. */
function heldStore() {
  const writes: { batch: WriteBatch; finish(error?: Error): void }[] = [];
  const store: MessageStore = {
    load: () => ({ rows: [], sequences: new Map(), duplicates: [], ruleSets: new Map() }),
    write: (batch) =>
      new Promise<void>((resolve, reject) =>
        writes.push({ batch, finish: (error) => (error ? reject(error) : resolve()) }),
      ),
    check: () => Promise.resolve(),
    close: () => Promise.resolve(),
    health: () => ({ diskFull: false }),
  };
  return { store, writes };
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** Sends one record through the group commit as the broker does; resolves to the order it settled in. */
function send(commit: GroupCommit, r: MessageRecord, settled: string[]): Promise<void> {
  commit.touch(r, Change.Placement);
  return commit.commit().then(
    () => void settled.push(`ok ${r.key}`),
    () => void settled.push(`failed ${r.key}`),
  );
}

describe('group commit', () => {
  const dirs: ReturnType<typeof tempDir>[] = [];
  afterAll(() => dirs.forEach((d) => d.remove()));

  it('hands the next batch over while one is in flight (two at most) and releases each waiter after its own batch', async () => {
    const { store, writes } = heldStore();
    const commit = new GroupCommit(store);
    const settled: string[] = [];
    const done = [send(commit, record(1), settled)];
    await turn();
    done.push(send(commit, record(2), settled));
    await turn();
    done.push(send(commit, record(3), settled));
    await turn();
    expect(writes.map((w) => w.batch.inserts.map((r) => r.key))).toEqual([[1], [2]]);

    writes[1]!.finish(); // the store applies in order; a later batch may report first
    await turn();
    expect(settled).toEqual(['ok 2']);
    expect(writes).toHaveLength(2); // still two in flight: record 3 waits
    writes[0]!.finish();
    await turn();
    await turn();
    expect(settled).toEqual(['ok 2', 'ok 1']);
    expect(writes.map((w) => w.batch.inserts.map((r) => r.key))).toEqual([[1], [2], [3]]);
    writes[2]!.finish();
    await Promise.all(done);
    expect(settled).toEqual(['ok 2', 'ok 1', 'ok 3']);
  });

  it('fails only the waiters of a batch that failed, which stays unwritten, while the next batch commits', async () => {
    const { store, writes } = heldStore();
    const commit = new GroupCommit(store);
    const settled: string[] = [];
    const [first, second] = [record(1), record(2)];
    const done = [send(commit, first, settled)];
    await turn();
    done.push(send(commit, second, settled));
    await turn();
    writes[0]!.finish(new Error('disk full'));
    writes[1]!.finish();
    await Promise.all(done);
    expect(settled).toEqual(['failed 1', 'ok 2']);
    expect([first.persisted, second.persisted]).toEqual([false, true]);
  });

  it('on the SQLite store, a batch that fails inside a shared transaction leaves the batches around it committed', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const store = openSqliteStore(dir.path);
    store.load();
    const batch = (...records: MessageRecord[]): WriteBatch => ({
      inserts: records,
      updates: [],
      deliveryCounts: [],
      deletes: [],
      sequences: [],
      duplicates: [],
      prunes: [],
      ruleSets: [],
    });
    // Handed over back to back, so the writer thread takes them in one transaction (and if it took them one by one,
    // the outcome must be the same); the middle one repeats row 1's key.
    const results = await Promise.allSettled([
      store.write(batch(record(1))),
      store.write(batch(record(2), record(1))),
      store.write(batch(record(3))),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason).toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' });
    await store.close();
    const reopened = openSqliteStore(dir.path);
    expect(reopened.load().rows.map((r) => [r.key, r.messageId])).toEqual([
      [1, 'm1'],
      [3, 'm3'],
    ]);
    await reopened.close();
  });
});
