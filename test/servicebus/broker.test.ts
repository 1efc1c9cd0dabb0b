import { afterEach, describe, expect, it } from 'vitest';
import { ServiceBusError, type ServiceBusBroker } from '../../local/servicebus/index.js';
import { openInMemory, type TestBroker } from './helpers.js';

const jobsDlq = 'jobs/$DeadLetterQueue';

describe('ServiceBusBroker semantics', () => {
  let t: TestBroker;
  let broker: ServiceBusBroker;
  afterEach(() => broker.close());

  async function setup() {
    t = await openInMemory();
    broker = t.broker;
  }

  it('delivers in FIFO order with increasing sequence numbers and generated message ids', async () => {
    await setup();
    await broker.send('jobs', [{ body: 'a' }, { body: 'b' }]);
    await broker.send('JOBS', [{ body: 'c', messageId: 'given' }]);
    const received = broker.receive('jobs', 10);
    expect(received.map((m) => m.body)).toEqual(['a', 'b', 'c']);
    expect(received.map((m) => m.sequenceNumber)).toEqual([1, 2, 3]);
    expect(received.map((m) => m.messageId)).toEqual(['id-1', 'id-2', 'given']);
    expect(received[0]).toMatchObject({
      deliveryCount: 1,
      enqueuedTimeUtc: new Date(t.clock.now()),
      expiresAtUtc: new Date(t.clock.now() + 600_000),
      lockedUntilUtc: new Date(t.clock.now() + 30_000),
    });
    expect(new Set(received.map((m) => m.lockToken)).size).toBe(3);
  });

  it('keeps bodies and properties as given, handing out fresh copies', async () => {
    await setup();
    const bytes = Buffer.from([0, 1, 255]);
    const rich = {
      body: { order: 1, items: ['x'] },
      contentType: 'application/json',
      correlationId: 'c1',
      subject: 's',
      to: 'to',
      replyTo: 'r',
      sessionId: 'sess',
      applicationProperties: { orderType: 'rush', n: 2, ok: true, none: null },
      timeToLiveMs: 5000,
    };
    await broker.send('jobs', [rich, { body: bytes }, { body: '{"not":"parsed"}' }]);
    const [json, binary, text] = broker.receive('jobs', 3);
    expect(json).toMatchObject({
      ...rich,
      expiresAtUtc: new Date(t.clock.now() + 5000),
    });
    expect(Buffer.isBuffer(binary!.body) && (binary!.body as Buffer).equals(bytes)).toBe(true);
    expect(text!.body).toBe('{"not":"parsed"}');
    (json!.body as { order: number }).order = 99;
    await broker.abandon('jobs', json!.lockToken);
    expect(broker.receive('jobs', 1)[0]!.body).toEqual({ order: 1, items: ['x'] });
  });

  it('abandon makes the message available again at once, first in line, with deliveryCount + 1 and merged properties', async () => {
    await setup();
    await broker.send('jobs', [{ body: 1 }, { body: 2 }]);
    const [first] = broker.receive('jobs', 1);
    await broker.abandon('jobs', first!.lockToken, { retry: 1 });
    const again = broker.receive('jobs', 2);
    expect(again.map((m) => [m.body, m.deliveryCount])).toEqual([
      [1, 2],
      [2, 1],
    ]);
    expect(again[0]!.applicationProperties).toEqual({ retry: 1 });
    expect(again[0]!.lockToken).not.toBe(first!.lockToken);
  });

  it('an expired lock returns the message (counted as a delivery) and settling with it fails', async () => {
    await setup();
    await broker.send('jobs', [{ body: 'x' }]);
    const [m] = broker.receive('jobs', 1);
    expect(broker.receive('jobs', 1)).toEqual([]);
    t.clock.advance(29_999);
    expect(broker.stats()[0]).toMatchObject({ active: 0, locked: 1 });
    t.clock.advance(1);
    expect(broker.stats()[0]).toMatchObject({ active: 1, locked: 0 });
    await expect(broker.complete('jobs', m!.lockToken)).rejects.toMatchObject({ code: 'MessageLockLost' });
    const [again] = broker.receive('jobs', 1);
    expect(again!.deliveryCount).toBe(2);
    await broker.complete('jobs', again!.lockToken);
    expect(broker.stats()[0]).toMatchObject({ active: 0, locked: 0, deadLetter: 0 });
    await expect(broker.complete('jobs', again!.lockToken)).rejects.toThrow(ServiceBusError);
  });

  it('renewLock extends the lock by LockDuration from now', async () => {
    await setup();
    await broker.send('jobs', [{ body: 'x' }]);
    const [m] = broker.receive('jobs', 1);
    t.clock.advance(20_000);
    expect(broker.renewLock('jobs', m!.lockToken)).toEqual(new Date(t.clock.now() + 30_000));
    t.clock.advance(20_000);
    await broker.complete('jobs', m!.lockToken);
    expect(() => broker.renewLock('jobs', m!.lockToken)).toThrow(/not held/);
  });

  it('dead-letters after MaxDeliveryCount deliveries with reason properties, by abandon or by lock expiry', async () => {
    await setup();
    await broker.send('jobs', [{ body: 'poison' }, { body: 'slow' }]);
    for (let delivery = 1; delivery <= 3; delivery++) {
      const [m] = broker.receive('jobs', 1);
      expect(m).toMatchObject({ body: 'poison', deliveryCount: delivery });
      await broker.abandon('jobs', m!.lockToken);
    }
    for (let delivery = 1; delivery <= 3; delivery++) {
      expect(broker.receive('jobs', 1)[0]).toMatchObject({ body: 'slow', deliveryCount: delivery });
      t.clock.advance(30_000);
    }
    expect(broker.receive('jobs', 1)).toEqual([]);
    expect(broker.stats().slice(0, 2)).toEqual([
      { path: 'jobs', kind: 'queue', active: 0, scheduled: 0, deferred: 0, locked: 0, deadLetter: 2 },
      {
        path: 'jobs/$DeadLetterQueue',
        kind: 'deadLetter',
        active: 2,
        scheduled: 0,
        deferred: 0,
        locked: 0,
        deadLetter: 0,
      },
    ]);
    const dead = broker.receive('jobs/$deadletterqueue', 5);
    expect(dead.map((m) => m.body)).toEqual(['poison', 'slow']);
    expect(dead[0]).toMatchObject({
      deadLetterSource: 'jobs',
      deliveryCount: 4,
      applicationProperties: {
        DeadLetterReason: 'MaxDeliveryCountExceeded',
        DeadLetterErrorDescription: 'Message could not be consumed after 3 delivery attempts.',
      },
    });
    await broker.abandon(jobsDlq, dead[0]!.lockToken);
    await expect(broker.deadLetter(jobsDlq, dead[1]!.lockToken)).rejects.toThrow('cannot be dead-lettered again');
    expect(broker.peek(jobsDlq, 10)).toHaveLength(2);
  });

  it('deadLetter moves the message with the reason and description the app gives', async () => {
    await setup();
    await broker.send('jobs', [{ body: 'bad', applicationProperties: { keep: 'me' } }]);
    const [m] = broker.receive('jobs', 1);
    await broker.deadLetter('jobs', m!.lockToken, { reason: 'Invalid', description: 'no total' });
    const [dead] = broker.receive(jobsDlq, 1);
    expect(dead!.applicationProperties).toEqual({
      keep: 'me',
      DeadLetterReason: 'Invalid',
      DeadLetterErrorDescription: 'no total',
    });
    await broker.complete(jobsDlq, dead!.lockToken);
    expect(broker.peek(jobsDlq, 1)).toEqual([]);
  });

  it('drops messages when their TTL passes (the smaller of message and entity TTL)', async () => {
    await setup();
    await broker.send('jobs', [
      { body: 'entity ttl' },
      { body: 'short', timeToLiveMs: 1000 },
      { body: 'long', timeToLiveMs: 86_400_000 },
    ]);
    t.clock.advance(1000);
    expect(broker.peek('jobs', 10).map((m) => m.body)).toEqual(['entity ttl', 'long']);
    t.clock.advance(599_000);
    expect(broker.receive('jobs', 10)).toEqual([]);
    expect(broker.stats()[0]).toMatchObject({ active: 0, deadLetter: 0 });
  });

  it('dead-letters expired messages with TTLExpiredException when the entity says so, without a receiver', async () => {
    await setup();
    const expired = new Promise<void>((resolve) => broker.onMessagesAvailable('expiring/$DeadLetterQueue', resolve));
    await broker.send('expiring', [{ body: 'late', timeToLiveMs: 5000 }, { body: 'fine' }]);
    t.clock.advance(5000);
    await expired;
    const [dead] = broker.receive('expiring/$DeadLetterQueue', 5);
    expect(dead).toMatchObject({
      body: 'late',
      deliveryCount: 1,
      deadLetterSource: 'expiring',
      applicationProperties: { DeadLetterReason: 'TTLExpiredException' },
    });
    expect(broker.receive('expiring', 5).map((m) => m.body)).toEqual(['fine']);
  });

  it('expires a locked message only once its lock is released', async () => {
    await setup();
    await broker.send('expiring', [{ body: 'held', timeToLiveMs: 1000 }]);
    const [m] = broker.receive('expiring', 1);
    t.clock.advance(2000);
    expect(broker.stats().find((s) => s.path === 'expiring')).toMatchObject({ locked: 1, deadLetter: 0 });
    await broker.abandon('expiring', m!.lockToken);
    expect(broker.receive('expiring/$DeadLetterQueue', 1)[0]!.body).toBe('held');
  });

  it('drops duplicates by messageId within the window, and accepts them after it', async () => {
    await setup();
    await broker.send('jobs', [
      { body: 1, messageId: 'm1' },
      { body: 2, messageId: 'm1' },
    ]);
    await broker.send('jobs', [
      { body: 3, messageId: 'm1' },
      { body: 4, messageId: 'm2' },
    ]);
    expect(broker.peek('jobs', 10).map((m) => m.body)).toEqual([1, 4]);
    t.clock.advance(59_999);
    await broker.send('jobs', [{ body: 5, messageId: 'm1' }]);
    expect(broker.peek('jobs', 10)).toHaveLength(2);
    t.clock.advance(1);
    await broker.send('jobs', [{ body: 6, messageId: 'm1' }]);
    expect(broker.peek('jobs', 10).map((m) => [m.body, m.sequenceNumber])).toEqual([
      [1, 1],
      [4, 2],
      [6, 3],
    ]);
  });

  it('remembers only senders’ message ids for duplicate detection, not ones it generated', async () => {
    await setup();
    await broker.send('jobs', [{ body: 'generated' }]);
    // The broker named that message id-1; the same id from a sender is therefore not a duplicate.
    await broker.send('jobs', [{ body: 'given', messageId: 'id-1' }]);
    await broker.send('jobs', [{ body: 'repeat', messageId: 'id-1' }]);
    expect(broker.peek('jobs', 10).map((m) => [m.body, m.messageId])).toEqual([
      ['generated', 'id-1'],
      ['given', 'id-1'],
    ]);
  });

  it('holds scheduled messages until their time, then enqueues them', async () => {
    await setup();
    const at = new Date(t.clock.now() + 60_000);
    await broker.send('jobs', [{ body: 'later', scheduledEnqueueTimeUtc: at }, { body: 'now' }]);
    const [now] = broker.receive('jobs', 10);
    expect(now!.body).toBe('now');
    expect(broker.stats()[0]).toMatchObject({ scheduled: 1, locked: 1 });
    expect(broker.peek('jobs', 10).map((m) => m.body)).toEqual(['later', 'now']);
    await broker.complete('jobs', now!.lockToken);
    t.clock.advance(59_999);
    expect(broker.receive('jobs', 10)).toEqual([]);
    t.clock.advance(1);
    const [later] = broker.receive('jobs', 10);
    expect(later).toMatchObject({
      body: 'later',
      enqueuedTimeUtc: at,
      scheduledEnqueueTimeUtc: at,
      expiresAtUtc: new Date(at.getTime() + 600_000),
    });
  });

  it('fans a topic send out to matching subscriptions, sharing the sequence number', async () => {
    await setup();
    await broker.send('orders', [{ body: 'plain' }, { body: 'gold', applicationProperties: { tier: 'vip' } }]);
    expect(broker.receive('orders/Subscriptions/all', 10).map((m) => [m.body, m.sequenceNumber])).toEqual([
      ['plain', 1],
      ['gold', 2],
    ]);
    expect(broker.receive('orders/subscriptions/VIP', 10).map((m) => [m.body, m.sequenceNumber])).toEqual([
      ['gold', 2],
    ]);
  });

  it('names the problem for bad entity paths and bad input', async () => {
    await setup();
    await expect(broker.send('nope', [{ body: 1 }])).rejects.toThrow("The messaging entity 'nope' could not be found.");
    await expect(broker.send('orders/Subscriptions/all', [{ body: 1 }])).rejects.toThrow('send to a queue or a topic');
    expect(() => broker.receive('orders', 1)).toThrow("receive from 'orders/Subscriptions/<subscription>'");
    expect(() => broker.receive('jobs', 0)).toThrow('maxMessages must be a positive integer');
    await expect(broker.send('jobs', [{ body: undefined }])).rejects.toThrow('messages[0].body is required');
    await expect(
      broker.send('jobs', [{ body: 1 }, { body: 1, applicationProperties: { d: new Date() as never } }]),
    ).rejects.toThrow('messages[1].applicationProperties.d must be a string');
    await expect(broker.send('jobs', [{ body: 1, messageId: '' }])).rejects.toThrow(
      'messages[0].messageId must be 1 to 128',
    );
    await expect(broker.send('jobs', [{ body: 'x'.repeat(300_000) }])).rejects.toMatchObject({
      code: 'MessageSizeExceeded',
    });
    await expect(broker.send('jobs', [{ body: 1, timeToLiveMs: -1 }])).rejects.toThrow(
      'timeToLiveMs must be a positive',
    );
    expect(broker.peek('jobs', 10)).toEqual([]);
    await broker.close();
    await expect(broker.send('jobs', [{ body: 1 }])).rejects.toMatchObject({ code: 'BrokerClosed' });
  });
});
