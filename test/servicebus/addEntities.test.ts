import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../local/shared/clock.js';
import { parseTopology, ServiceBusBroker, type ReceivedMessage, type Topology } from '../../local/servicebus/index.js';
import { fastRetries, useEndpoint } from './amqp/helpers.js';
import { deferred, openInMemory, sequentialIds, tempDir, topology, whenAvailable } from './helpers.js';

/** A Config.json namespace of bare names, so every property is the emulator's default. */
function named(queues: string[], topics: Record<string, string[]>): Topology {
  return parseTopology({
    UserConfig: {
      Namespaces: [
        {
          Name: 'ns',
          Queues: queues.map((Name) => ({ Name })),
          Topics: Object.entries(topics).map(([Name, subscriptions]) => ({
            Name,
            Subscriptions: subscriptions.map((s) => ({ Name: s })),
          })),
        },
      ],
    },
  });
}

describe('adding entities to a running broker', () => {
  const open: ServiceBusBroker[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  });

  async function inMemory() {
    const opened = await openInMemory();
    open.push(opened.broker);
    return opened;
  }

  it('adds the queues, topics and subscriptions it lacks and says which, leaving the others as they were', async () => {
    const { broker } = await inMemory();
    await broker.send('jobs', [{ body: 'held' }, { body: 'pending' }]);
    const [held] = broker.receive('jobs', 1);
    await broker.addRule('orders/Subscriptions/all', { name: 'set-by-a-client', filter: { subject: 'x' } });

    const added = broker.addEntities({
      queues: [...named(['fresh'], {}).queues, { ...topology.queues[0]!, name: 'JOBS', maxDeliveryCount: 99 }],
      topics: [
        ...named([], { alerts: ['pager'] }).topics,
        { ...named([], { orders: ['all', 'audit'] }).topics[0]!, defaultMessageTimeToLiveMs: 1 },
      ],
    });

    expect(added).toEqual([
      { kind: 'queue', path: 'fresh' },
      { kind: 'topic', path: 'alerts' },
      { kind: 'subscription', path: 'alerts/Subscriptions/pager' },
      { kind: 'subscription', path: 'orders/Subscriptions/audit' },
    ]);
    // The existing queue keeps its messages, its lock and its properties (MaxDeliveryCount 3, not 99).
    expect(broker.stats()[0]).toMatchObject({ path: 'jobs', active: 1, locked: 1 });
    await broker.complete('jobs', held!.lockToken);
    for (let i = 0; i < 3; i++) await broker.abandon('jobs', broker.receive('jobs', 1)[0]!.lockToken);
    expect(broker.peek('jobs/$DeadLetterQueue', 5).map((m) => m.body)).toEqual(['pending']);
    expect(broker.rules('orders/Subscriptions/all').map((r) => r.name)).toEqual(['$Default', 'set-by-a-client']);
    expect(broker.stats().map((s) => s.path)).toEqual([
      'jobs',
      'jobs/$DeadLetterQueue',
      'expiring',
      'expiring/$DeadLetterQueue',
      'orders/Subscriptions/all',
      'orders/Subscriptions/all/$DeadLetterQueue',
      'orders/Subscriptions/vip',
      'orders/Subscriptions/vip/$DeadLetterQueue',
      'fresh',
      'fresh/$DeadLetterQueue',
      'alerts/Subscriptions/pager',
      'alerts/Subscriptions/pager/$DeadLetterQueue',
      'orders/Subscriptions/audit',
      'orders/Subscriptions/audit/$DeadLetterQueue',
    ]);
    expect(broker.addEntities(named(['fresh'], { alerts: ['pager'] }))).toEqual([]);
  });

  it('serves the new entities at once: sends, receives, processors, and the emulator defaults apply', async () => {
    const { broker, clock } = await inMemory();
    broker.addEntities(named(['fresh'], { orders: ['audit'] }));
    const arrived = whenAvailable(broker, 'fresh');
    await broker.send('fresh', [{ body: 'first' }]);
    await arrived;
    const [first] = broker.receive('fresh', 1);
    expect(first).toMatchObject({ body: 'first', sequenceNumber: 1, deliveryCount: 1 });
    // The default LockDuration, PT1M: the lock runs out after a minute and the message comes back.
    clock.advance(60_000);
    expect(broker.receive('fresh', 1)[0]).toMatchObject({ body: 'first', deliveryCount: 2 });

    // A topic's new subscription gets what is sent from now on, and continues the topic's sequence numbers.
    await broker.send('orders', [{ body: 'o1' }]);
    const handled = deferred<ReceivedMessage>();
    const processor = broker.createProcessor(
      'orders/Subscriptions/audit',
      async (message) => handled.resolve(message),
      { maxConcurrentCalls: 1, autoCompleteMessages: true, maxAutoLockRenewalDurationMs: 0 },
    );
    expect(await handled.promise).toMatchObject({ body: 'o1', sequenceNumber: 1 });
    await processor.close();
    expect(broker.peek('orders/Subscriptions/all', 5).map((m) => m.sequenceNumber)).toEqual([1]);
  });

  it('refuses a name that is already the other kind of entity, adding nothing', async () => {
    const { broker } = await inMemory();
    expect(() => broker.addEntities(named(['new-one', 'orders'], {}))).toThrow(
      "Cannot add the queue 'orders': 'orders' is already a topic.",
    );
    const both = { queues: named(['twice'], {}).queues, topics: named([], { twice: ['s'] }).topics };
    expect(() => broker.addEntities(both)).toThrow("Cannot add the topic 'twice': 'twice' is already a queue.");
    await expect(broker.send('new-one', [{ body: 'x' }])).rejects.toThrow(
      "The messaging entity 'new-one' could not be found.",
    );
    await expect(broker.send('twice', [{ body: 'x' }])).rejects.toThrow(
      "The messaging entity 'twice' could not be found.",
    );
  });

  it('refuses once the broker is closed', async () => {
    const broker = await ServiceBusBroker.open({ topology, inMemory: true });
    await broker.close();
    expect(() => broker.addEntities(named(['late'], {}))).toThrow('The Service Bus broker is closed.');
  });
});

describe('adding entities to a durable broker', () => {
  const dirs: ReturnType<typeof tempDir>[] = [];
  const open: ServiceBusBroker[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  });
  afterAll(() => dirs.forEach((d) => d.remove()));

  async function openAt(path: string, withTopology: Topology, clock: ManualClock): Promise<ServiceBusBroker> {
    const broker = await ServiceBusBroker.open({
      topology: withTopology,
      dataDir: path,
      clock,
      newId: sequentialIds(),
    });
    open.push(broker);
    return broker;
  }

  it('keeps what the new entities take across a restart, beside the existing ones', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const clock = new ManualClock();
    let broker = await openAt(dir.path, topology, clock);
    await broker.send('jobs', [{ body: 'old' }]);
    broker.addEntities(named(['fresh'], { orders: ['audit'] }));
    await broker.send('fresh', [{ body: 'new' }]);
    await broker.send('orders', [{ body: 'to every subscription' }]);
    await broker.close();

    // Restarted with the same bindings (the stack builds the same topology again), everything is there.
    broker = await openAt(
      dir.path,
      { ...topology, queues: [...topology.queues, ...named(['fresh'], {}).queues] },
      clock,
    );
    broker.addEntities(named([], { orders: ['audit'] }));
    expect(broker.peek('jobs', 5).map((m) => m.body)).toEqual(['old']);
    expect(broker.peek('fresh', 5).map((m) => m.body)).toEqual(['new']);
    expect(broker.peek('orders/Subscriptions/audit', 5).map((m) => m.body)).toEqual(['to every subscription']);
  });

  it('serves again the stored messages of an entity that comes back, with its sequence numbers and rules', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const clock = new ManualClock();
    const withExtra = named(['parked'], { news: ['reader'] });
    let broker = await openAt(dir.path, withExtra, clock);
    await broker.send('parked', [{ body: 'p1' }, { body: 'p2' }]);
    await broker.send('news', [{ body: 'n1', subject: 'keep' }]);
    await broker.addRule('news/Subscriptions/reader', { name: 'keep-only', filter: { subject: 'keep' } });
    await broker.removeRule('news/Subscriptions/reader', '$Default');
    await broker.close();

    // A start whose bindings no longer name them: their rows stay on disk, unserved.
    broker = await openAt(dir.path, named(['other'], {}), clock);
    expect(() => broker.peek('parked', 5)).toThrow("The messaging entity 'parked' could not be found.");

    broker.addEntities(withExtra);
    expect(broker.receive('parked', 5).map((m) => [m.body, m.sequenceNumber])).toEqual([
      ['p1', 1],
      ['p2', 2],
    ]);
    await broker.send('parked', [{ body: 'p3' }]);
    expect(broker.peek('parked', 5).map((m) => m.sequenceNumber)).toEqual([1, 2, 3]);
    expect(broker.rules('news/Subscriptions/reader').map((r) => r.name)).toEqual(['keep-only']);
    await broker.send('news', [{ body: 'dropped', subject: 'other' }]);
    expect(broker.peek('news/Subscriptions/reader', 5).map((m) => m.body)).toEqual(['n1']);
  });
});

describe('adding entities, seen over AMQP', () => {
  const endpoint = useEndpoint();

  it('lets an @azure/service-bus client send to and receive from an entity added after it connected', async () => {
    const { broker, client } = await endpoint();
    const sbClient = client(fastRetries);
    await sbClient.createSender('jobs').sendMessages({ body: 'before' });
    await expect(sbClient.createSender('fresh').sendMessages({ body: 'too early' })).rejects.toMatchObject({
      code: 'MessagingEntityNotFound',
    });

    broker.addEntities(named(['fresh'], { orders: ['audit'] }));
    await sbClient.createSender('fresh').sendMessages({ body: 'after' });
    await sbClient.createSender('orders').sendMessages({ body: 'order' });
    const [fresh] = await sbClient.createReceiver('fresh').receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(fresh?.body).toBe('after');
    const audit = sbClient.createReceiver('orders', 'audit');
    const [order] = await audit.receiveMessages(1, { maxWaitTimeInMs: 5_000 });
    expect(order?.body).toBe('order');
    await audit.completeMessage(order!);
    expect(broker.stats()[0]).toMatchObject({ path: 'jobs', active: 1 });
  });
});
