import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../local/shared/clock.js';
import { useEndpoint } from './helpers.js';

const waitShort = { maxWaitTimeInMs: 2000 };
const byBody = (messages: ServiceBusReceivedMessage[]) => messages.map((m) => m.body);

// ServiceBusSender with the real @azure/service-bus against the local broker's AMQP endpoint.
describe('AMQP endpoint: sending with @azure/service-bus', () => {
  const endpoint = useEndpoint();

  it('sends one message with every property, and the receiver gets them back', async () => {
    const { client } = await endpoint();
    const sb = client();
    const enqueued = new Date('2026-05-01T10:00:00.000Z');
    const sent = {
      body: { order: 1, items: ['mug'] },
      messageId: 'm-1',
      correlationId: 'c-1',
      contentType: 'application/json',
      subject: 'new-order',
      to: 'someone',
      replyTo: 'replies',
      replyToSessionId: 'rs',
      partitionKey: 'pk',
      timeToLive: 60_000,
      applicationProperties: { tier: 'vip', n: 7, ratio: 0.5, ok: true, none: null, at: enqueued },
    };
    await sb.createSender('jobs').sendMessages(sent);
    const [message] = await sb.createReceiver('jobs').receiveMessages(1, waitShort);
    expect(message).toMatchObject({
      ...sent,
      deliveryCount: 0,
      state: 'active',
      // Timestamps arrive as epoch milliseconds, as the SDK turns them for any service.
      applicationProperties: { tier: 'vip', n: 7, ratio: 0.5, ok: true, none: null, at: enqueued.getTime() },
    });
    expect(message!.sequenceNumber!.toNumber()).toBe(1);
    expect(message!.expiresAtUtc!.getTime()).toBe(message!.enqueuedTimeUtc!.getTime() + 60_000);
  });

  it('keeps text, binary and AMQP-value bodies as they were sent', async () => {
    const { client, broker } = await endpoint();
    const sb = client();
    const sender = sb.createSender('jobs');
    await sender.sendMessages({ body: 'plain text' });
    await sender.sendMessages({ body: Buffer.from([0, 1, 2, 255]) });
    await sender.sendMessages({ body: { a: [1, 2] }, bodyType: 'value', applicationProperties: {} } as never);
    const received = await sb.createReceiver('jobs').receiveMessages(3, waitShort);
    expect(received.map((m) => m.body)).toEqual(['plain text', Buffer.from([0, 1, 2, 255]), { a: [1, 2] }]);
    expect(received[2]!._rawAmqpMessage.bodyType).toBe('value');
    // The in-process side (the Functions bindings) decodes the same bodies.
    expect(broker.peek('jobs', 3).map((m) => m.body)).toEqual([
      Buffer.from(JSON.stringify('plain text')),
      Buffer.from([0, 1, 2, 255]),
      { a: [1, 2] },
    ]);
  });

  it('sends an array and a ServiceBusMessageBatch as one batch transfer, each message with its own sequence number', async () => {
    const { client } = await endpoint();
    const sb = client();
    const sender = sb.createSender('jobs');
    await sender.sendMessages([{ body: 'a' }, { body: 'b', messageId: 'b' }]);
    const batch = await sender.createMessageBatch();
    for (const body of ['c', 'd', 'e']) expect(batch.tryAddMessage({ body })).toBe(true);
    await sender.sendMessages(batch);
    const received = await sb
      .createReceiver('jobs', { receiveMode: 'receiveAndDelete' })
      .receiveMessages(10, waitShort);
    expect(byBody(received)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(received.map((m) => m.sequenceNumber!.toNumber())).toEqual([1, 2, 3, 4, 5]);
  });

  it('enforces the 256 KB message size: one message is rejected, a batch refuses what does not fit', async () => {
    const { client } = await endpoint();
    const sender = client().createSender('jobs');
    const big = 'x'.repeat(300 * 1024);
    await expect(sender.sendMessages({ body: big })).rejects.toMatchObject({
      code: 'MessageSizeExceeded',
      message: expect.stringContaining('262144 bytes'),
    });
    const batch = await sender.createMessageBatch();
    expect(batch.maxSizeInBytes).toBe(262_144);
    expect(batch.tryAddMessage({ body: big })).toBe(false);
    await expect(sender.sendMessages([{ body: big }])).rejects.toThrow(/too big to fit in a single batch/);
    // Nothing half-written.
    expect(await client().createReceiver('jobs').peekMessages(5)).toEqual([]);
  });

  it('drops a duplicate message id within the window (the send still succeeds)', async () => {
    const { client } = await endpoint();
    const sb = client();
    const sender = sb.createSender('jobs');
    await sender.sendMessages({ body: 'first', messageId: 'same' });
    await sender.sendMessages({ body: 'second', messageId: 'same' });
    expect(byBody(await sb.createReceiver('jobs').peekMessages(5))).toEqual(['first']);
  });

  it('schedules messages (by property and by scheduleMessages), cancels one, enqueues the rest when due', async () => {
    const clock = new ManualClock(Date.now());
    const { client } = await endpoint({ clock });
    const sb = client();
    const sender = sb.createSender('jobs');
    const at = new Date(clock.now() + 60_000);
    await sender.sendMessages({ body: 'by property', scheduledEnqueueTimeUtc: at });
    const [keep, cancel] = await sender.scheduleMessages([{ body: 'kept' }, { body: 'cancelled' }], at);
    expect([keep!.toNumber(), cancel!.toNumber()]).toEqual([2, 3]);
    await sender.cancelScheduledMessages(cancel!);
    const receiver = sb.createReceiver('jobs');
    const peeked = await receiver.peekMessages(5);
    expect(peeked.map((m) => [m.body, m.state, m.scheduledEnqueueTimeUtc?.getTime()])).toEqual([
      ['by property', 'scheduled', at.getTime()],
      ['kept', 'scheduled', at.getTime()],
    ]);
    await expect(sender.cancelScheduledMessages(cancel!)).rejects.toMatchObject({ code: 'MessageNotFound' });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    clock.advance(60_000);
    expect(byBody(await receiver.receiveMessages(5, waitShort))).toEqual(['by property', 'kept']);
  });

  it('fans a topic send out by the subscriptions’ correlation filters', async () => {
    const { client } = await endpoint();
    const sb = client();
    await sb.createSender('orders').sendMessages([
      { body: 'for everyone', applicationProperties: { tier: 'basic' } },
      { body: 'for vips too', applicationProperties: { tier: 'vip' } },
    ]);
    const all = await sb.createReceiver('orders', 'all').receiveMessages(5, waitShort);
    const vip = await sb.createReceiver('orders', 'vip').receiveMessages(5, waitShort);
    expect(byBody(all)).toEqual(['for everyone', 'for vips too']);
    expect(byBody(vip)).toEqual(['for vips too']);
    expect(vip[0]!.sequenceNumber!.toNumber()).toBe(all[1]!.sequenceNumber!.toNumber());
  });

  it('refuses unknown entities with MessagingEntityNotFound, and sends to a subscription', async () => {
    const { client } = await endpoint();
    const sb = client();
    await expect(sb.createSender('nope').sendMessages({ body: 1 })).rejects.toMatchObject({
      code: 'MessagingEntityNotFound',
      message: "The messaging entity 'sb://localhost/nope' could not be found.",
    });
    await expect(sb.createSender('orders/Subscriptions/all').sendMessages({ body: 1 })).rejects.toThrow(
      /Cannot send to 'orders\/Subscriptions\/all'/,
    );
  });
});
