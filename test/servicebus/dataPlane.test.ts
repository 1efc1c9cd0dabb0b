import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../local/shared/clock.js';
import { ServiceBusBroker, ServiceBusError } from '../../local/servicebus/index.js';
import { openInMemory, sequentialIds, tempDir, topology, type TestBroker } from './helpers.js';

// What the AMQP front needs beyond what the Functions bindings use: deferral, receive-and-delete, browsing by
// sequence number, cancelling scheduled messages, subscription rules, properties on every settlement.
describe('ServiceBusBroker data plane', () => {
  let t: TestBroker;
  let broker: ServiceBusBroker;
  const dirs: ReturnType<typeof tempDir>[] = [];
  afterEach(() => broker.close());
  afterAll(() => dirs.forEach((d) => d.remove()));

  async function setup() {
    t = await openInMemory();
    broker = t.broker;
  }

  it('send resolves with each message’s sequence number, 0 for a dropped duplicate', async () => {
    await setup();
    expect(await broker.send('jobs', [{ body: 'a', messageId: 'x' }, { body: 'b' }])).toEqual([1, 2]);
    expect(await broker.send('jobs', [{ body: 'again', messageId: 'x' }, { body: 'c' }])).toEqual([0, 3]);
  });

  it('defers a message: normal receive skips it, peek shows it, receiveDeferred locks it again', async () => {
    await setup();
    await broker.send('jobs', [{ body: 'later', applicationProperties: { a: 1 } }, { body: 'now' }]);
    const [first] = broker.receive('jobs', 1);
    await broker.defer('jobs', first!.lockToken, { step: 'parked' });
    expect(broker.receive('jobs', 5).map((m) => m.body)).toEqual(['now']);
    expect(broker.stats()[0]).toMatchObject({ deferred: 1, locked: 1 });
    expect(broker.peek('jobs', 5).map((m) => [m.body, m.state])).toEqual([
      ['later', 'deferred'],
      ['now', 'active'],
    ]);
    expect(() => broker.receiveDeferred('jobs', [1, 2])).toThrow(
      expect.objectContaining({ code: 'MessageNotFound', message: expect.stringContaining('sequence numbers 2') }),
    );
    const [again] = broker.receiveDeferred('jobs', [1]);
    expect(again).toMatchObject({ body: 'later', deliveryCount: 2, state: 'deferred' });
    expect(again!.applicationProperties).toEqual({ a: 1, step: 'parked' });
    // Abandoning a deferred message puts it back among the deferred, not in line.
    await broker.abandon('jobs', again!.lockToken);
    expect(broker.receive('jobs', 5)).toEqual([]);
    const [third] = broker.receiveDeferred('jobs', [1]);
    await broker.complete('jobs', third!.lockToken);
    expect(broker.peek('jobs', 5).map((m) => m.body)).toEqual(['now']);
  });

  it('a deferred message’s lock expiry returns it to the deferred, and MaxDeliveryCount still dead-letters', async () => {
    await setup();
    await broker.send('jobs', [{ body: 'd' }]);
    await broker.defer('jobs', broker.receive('jobs', 1)[0]!.lockToken);
    broker.receiveDeferred('jobs', [1]);
    t.clock.advance(30_000);
    expect(broker.stats()[0]).toMatchObject({ deferred: 1, locked: 0 });
    const [last] = broker.receiveDeferred('jobs', [1]);
    expect(last!.deliveryCount).toBe(3);
    await broker.abandon('jobs', last!.lockToken);
    expect(broker.peek('jobs/$DeadLetterQueue', 1)[0]).toMatchObject({
      body: 'd',
      state: 'active',
      applicationProperties: { DeadLetterReason: 'MaxDeliveryCountExceeded' },
    });
  });

  it('receive-and-delete hands messages out without a lock and removes them', async () => {
    await setup();
    await broker.send('jobs', [{ body: 1 }, { body: 2 }, { body: 3 }]);
    const taken = broker.receiveAndDelete('jobs', 2);
    expect(taken.map((m) => [m.body, m.lockToken, m.deliveryCount])).toEqual([
      [1, '', 1],
      [2, '', 1],
    ]);
    expect(broker.peek('jobs', 5).map((m) => m.body)).toEqual([3]);
    await broker.defer('jobs', broker.receive('jobs', 1)[0]!.lockToken);
    expect(broker.receiveDeferred('jobs', [3], 'receiveAndDelete')[0]!.body).toBe(3);
    expect(broker.stats()[0]).toMatchObject({ active: 0, deferred: 0, locked: 0 });
  });

  it('peeks from a sequence number, in order, across active, locked, scheduled and deferred messages', async () => {
    await setup();
    const at = new Date(t.clock.now() + 60_000);
    await broker.send('jobs', [
      { body: 'a' },
      { body: 'b' },
      { body: 'c', scheduledEnqueueTimeUtc: at },
      { body: 'd' },
    ]);
    broker.receive('jobs', 1);
    expect(broker.peek('jobs', 10, 2).map((m) => [m.sequenceNumber, m.state, m.lockToken])).toEqual([
      [2, 'active', ''],
      [3, 'scheduled', ''],
      [4, 'active', ''],
    ]);
    expect(broker.peek('jobs', 1, 3).map((m) => m.body)).toEqual(['c']);
    expect(broker.peek('jobs', 5, 9)).toEqual([]);
  });

  it('cancels scheduled messages by sequence number, on every subscription of a topic', async () => {
    await setup();
    const at = new Date(t.clock.now() + 60_000);
    const [keep, cancel] = await broker.send('orders', [
      { body: 'keep', scheduledEnqueueTimeUtc: at, applicationProperties: { tier: 'vip' } },
      { body: 'cancel', scheduledEnqueueTimeUtc: at, applicationProperties: { tier: 'vip' } },
    ]);
    await expect(broker.cancelScheduled('orders', [cancel!, 99])).rejects.toThrow(
      'Messages not found. Missing sequence numbers: 99.',
    );
    await broker.cancelScheduled('orders', [cancel!]);
    t.clock.advance(60_000);
    for (const sub of ['orders/Subscriptions/all', 'orders/Subscriptions/vip']) {
      expect(broker.receive(sub, 5).map((m) => [m.body, m.sequenceNumber])).toEqual([['keep', keep]]);
    }
    await expect(broker.cancelScheduled('orders/Subscriptions/all', [1])).rejects.toThrow('Cannot send to');
  });

  it('merges propertiesToModify on dead-letter, next to the reason', async () => {
    await setup();
    await broker.send('jobs', [{ body: 'x', applicationProperties: { a: 1 } }]);
    await broker.deadLetter('jobs', broker.receive('jobs', 1)[0]!.lockToken, {
      reason: 'bad',
      description: 'really',
      propertiesToModify: { a: 2, b: true },
    });
    expect(broker.peek('jobs/$DeadLetterQueue', 1)[0]!.applicationProperties).toEqual({
      a: 2,
      b: true,
      DeadLetterReason: 'bad',
      DeadLetterErrorDescription: 'really',
    });
    await expect(broker.deadLetter('jobs', 'nope', { propertiesToModify: { d: new Date() as never } })).rejects.toThrow(
      'options.propertiesToModify.d must be',
    );
  });

  it('adds, lists and removes subscription rules; routing follows them', async () => {
    await setup();
    const all = 'orders/Subscriptions/all';
    expect(broker.rules(all)).toEqual([{ name: '$Default', filter: true }]);
    expect(broker.rules('orders/Subscriptions/vip')).toEqual([
      { name: 'vipOnly', filter: { properties: { tier: 'vip' } } },
    ]);
    await broker.addRule(all, { name: 'red', filter: { subject: 'red', properties: { n: 1 } } });
    await broker.removeRule(all, '$default');
    await broker.send('orders', [
      { body: 'red', subject: 'red', applicationProperties: { n: 1 } },
      { body: 'blue', subject: 'blue' },
    ]);
    expect(broker.receive(all, 5).map((m) => m.body)).toEqual(['red']);
    await broker.removeRule(all, 'red');
    await broker.send('orders', [{ body: 'nowhere', subject: 'red', applicationProperties: { n: 1 } }]);
    expect(broker.receive(all, 5)).toEqual([]);
    await broker.addRule(all, { name: 'none', filter: false });
    await expect(broker.addRule(all, { name: 'NONE', filter: true })).rejects.toThrow(
      "The rule 'NONE' already exists.",
    );
    await expect(broker.addRule(all, { name: 'empty', filter: {} })).rejects.toThrow('needs at least one property');
    await expect(broker.removeRule(all, 'missing')).rejects.toThrow(
      "The messaging entity 'orders/Subscriptions/all/Rules/missing' could not be found.",
    );
    expect(() => broker.rules('jobs')).toThrow('only subscriptions have rules');
    expect(() => broker.rules('orders/Subscriptions/zzz')).toThrow(ServiceBusError);
  });

  it('keeps deferred messages and rule changes across close and reopen', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const clock = new ManualClock();
    const first = await ServiceBusBroker.open({ topology, dataDir: dir.path, clock, newId: sequentialIds('a') });
    await first.send('jobs', [{ body: 'parked' }]);
    await first.defer('jobs', first.receive('jobs', 1)[0]!.lockToken);
    await first.addRule('orders/Subscriptions/all', { name: 'red', filter: { subject: 'red' } });
    await first.close();
    broker = await ServiceBusBroker.open({ topology, dataDir: dir.path, clock, newId: sequentialIds('b') });
    expect(broker.receive('jobs', 1)).toEqual([]);
    expect(broker.receiveDeferred('jobs', [1])[0]).toMatchObject({ body: 'parked', deliveryCount: 2 });
    expect(broker.rules('orders/Subscriptions/all').map((r) => r.name)).toEqual(['$Default', 'red']);
  });

  it('opens a database of schema version 1 and adds what deferral needs', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const old = new Database(join(dir.path, 'servicebus.db'));
    old.exec(`
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      INSERT INTO meta VALUES ('schema', '1');
      CREATE TABLE messages (id INTEGER PRIMARY KEY, entity TEXT NOT NULL, sequence_number INTEGER NOT NULL,
        message_id TEXT NOT NULL, enqueued_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
        delivery_count INTEGER NOT NULL, dead_letter_source TEXT, properties TEXT NOT NULL,
        body_kind TEXT NOT NULL, body BLOB NOT NULL);
      INSERT INTO messages VALUES (1, 'jobs', 1, 'm1', 0, 8640000000000000, 0, NULL, '{"applicationProperties":{}}',
        'string', 'kept');
      CREATE TABLE sequences (target TEXT PRIMARY KEY, last INTEGER NOT NULL);
      INSERT INTO sequences VALUES ('jobs', 1);
    `);
    old.close();
    broker = await ServiceBusBroker.open({ topology, dataDir: dir.path, clock: new ManualClock(0) });
    expect(broker.receive('jobs', 1)[0]).toMatchObject({ body: 'kept', messageId: 'm1', sequenceNumber: 1 });
  });
});
