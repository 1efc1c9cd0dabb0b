import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import type { EventContext } from 'rhea';
import { withDeadline } from '../../support/stack.js';
import { connect, KEY_NAME, useEndpoint } from './helpers.js';

const waitShort = { maxWaitTimeInMs: 2000 };
const byBody = (messages: ServiceBusReceivedMessage[]) => messages.map((m) => m.body);

// ServiceBusReceiver (both modes, subscribe) and every settlement, with the real @azure/service-bus.
describe('AMQP endpoint: receiving and settling with @azure/service-bus', () => {
  const endpoint = useEndpoint();

  it('peek-lock: lock tokens, delivery counts and locks as Service Bus gives them; complete removes', async () => {
    const { client, broker } = await endpoint();
    const sb = client();
    await sb.createSender('jobs').sendMessages([{ body: 'a' }, { body: 'b' }]);
    const receiver = sb.createReceiver('jobs', { maxAutoLockRenewalDurationInMs: 0 });
    const [a, b] = await receiver.receiveMessages(2, waitShort);
    expect([a!.deliveryCount, b!.deliveryCount]).toEqual([0, 0]);
    // The SDK reads the token from the delivery tag; the broker knows the same token.
    const locked = broker.peek('jobs', 2).map((m) => m.state);
    expect(locked).toEqual(['active', 'active']);
    expect(broker.stats()[0]).toMatchObject({ locked: 2 });
    expect(a!.lockToken).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(a!.lockedUntilUtc!.getTime() - a!.enqueuedTimeUtc!.getTime()).toBeGreaterThanOrEqual(29_000);
    await receiver.completeMessage(a!);
    await receiver.completeMessage(b!);
    expect(broker.stats()[0]).toMatchObject({ active: 0, locked: 0 });
    await expect(receiver.completeMessage(a!)).rejects.toThrow(/already settled/);
  });

  it('locks only as many messages as the client gave credit for', async () => {
    const { client, broker } = await endpoint();
    const sb = client();
    await sb.createSender('jobs').sendMessages(Array.from({ length: 40 }, (_, i) => ({ body: i })));
    const received = await sb.createReceiver('jobs').receiveMessages(5, waitShort);
    expect(byBody(received)).toEqual([0, 1, 2, 3, 4]);
    // Messages are taken (and their locks started) only against credit, never queued up ahead of it.
    expect(broker.stats()[0]).toMatchObject({ locked: 5, active: 35 });
  });

  it('abandon with properties redelivers at once with the properties merged and the count raised', async () => {
    const { client } = await endpoint();
    const receiver = client().createReceiver('jobs', { maxAutoLockRenewalDurationInMs: 0 });
    await client()
      .createSender('jobs')
      .sendMessages({ body: 'retry me', applicationProperties: { a: 1 } });
    const [first] = await receiver.receiveMessages(1, waitShort);
    await receiver.abandonMessage(first!, { attempt: 'one', a: 2 });
    const [second] = await receiver.receiveMessages(1, waitShort);
    expect(second).toMatchObject({
      body: 'retry me',
      deliveryCount: 1,
      applicationProperties: { a: 2, attempt: 'one' },
    });
    expect(second!.lockToken).not.toBe(first!.lockToken);
  });

  it('dead-letters with reason, description and properties; the DLQ shows its source', async () => {
    const { client } = await endpoint();
    const sb = client();
    await sb.createSender('jobs').sendMessages({ body: 'poison', messageId: 'p1' });
    const receiver = sb.createReceiver('jobs');
    const [message] = await receiver.receiveMessages(1, waitShort);
    await receiver.deadLetterMessage(message!, {
      deadLetterReason: 'Unparseable',
      deadLetterErrorDescription: 'no orderId',
      step: 'validate',
    });
    const dlq = sb.createReceiver('jobs', { subQueueType: 'deadLetter' });
    const [dead] = await dlq.receiveMessages(1, waitShort);
    expect(dead).toMatchObject({
      body: 'poison',
      messageId: 'p1',
      deadLetterReason: 'Unparseable',
      deadLetterErrorDescription: 'no orderId',
      deadLetterSource: 'jobs',
      applicationProperties: { step: 'validate', DeadLetterReason: 'Unparseable' },
    });
    await expect(dlq.deadLetterMessage(dead!)).rejects.toThrow(/cannot be dead-lettered again/);
    expect(byBody(await dlq.peekMessages(5))).toEqual(['poison']);
  });

  it('defers a message; it is received only by sequence number and settled through $management', async () => {
    const { client } = await endpoint();
    const sb = client();
    await sb.createSender('jobs').sendMessages([{ body: 'later' }, { body: 'now' }]);
    const receiver = sb.createReceiver('jobs');
    const [later] = await receiver.receiveMessages(1, waitShort);
    await receiver.deferMessage(later!, { parked: true });
    const [now] = await receiver.receiveMessages(1, waitShort);
    expect(now!.body).toBe('now');
    await receiver.completeMessage(now!);
    expect((await receiver.peekMessages(5)).map((m) => [m.body, m.state])).toEqual([['later', 'deferred']]);
    const [again] = await receiver.receiveDeferredMessages(later!.sequenceNumber!);
    expect(again).toMatchObject({
      body: 'later',
      state: 'deferred',
      deliveryCount: 1,
      applicationProperties: { parked: true },
    });
    // A deferred message has no link: abandon and complete go through update-disposition.
    await receiver.abandonMessage(again!);
    const [third] = await receiver.receiveDeferredMessages([later!.sequenceNumber!]);
    await receiver.renewMessageLock(third!);
    await receiver.completeMessage(third!);
    expect(await receiver.peekMessages(5)).toEqual([]);
    await expect(receiver.receiveDeferredMessages(later!.sequenceNumber!)).rejects.toMatchObject({
      code: 'MessageNotFound',
    });
  });

  it('receive-and-delete: messages are gone as they arrive, with no lock token', async () => {
    const { client, broker } = await endpoint();
    const sb = client();
    await sb.createSender('jobs').sendMessages([{ body: 1 }, { body: 2 }, { body: 3 }]);
    const receiver = sb.createReceiver('jobs', { receiveMode: 'receiveAndDelete' });
    const received = await receiver.receiveMessages(3, waitShort);
    expect(byBody(received)).toEqual([1, 2, 3]);
    expect(received.map((m) => [m.lockToken, m.deliveryCount])).toEqual([
      [undefined, 0],
      [undefined, 0],
      [undefined, 0],
    ]);
    expect(broker.stats()[0]).toMatchObject({ active: 0, locked: 0 });
  });

  it('receiveMessages returns what there is when the client drains, without waiting for more', async () => {
    const { client } = await endpoint();
    const sb = client();
    await sb.createSender('jobs').sendMessages([{ body: 'only' }]);
    const started = Date.now();
    const received = await sb.createReceiver('jobs').receiveMessages(50, { maxWaitTimeInMs: 20_000 });
    expect(byBody(received)).toEqual(['only']);
    // The SDK drains a second after the first message; the endpoint answers the drain at once.
    expect(Date.now() - started).toBeLessThan(10_000);
  });

  it('subscribe() runs at most maxConcurrentCalls handlers at once and completes each message', async () => {
    const { client, broker } = await endpoint();
    const sb = client();
    const bodies = Array.from({ length: 24 }, (_, i) => i);
    await sb.createSender('jobs').sendMessages(bodies.map((body) => ({ body })));
    const receiver = sb.createReceiver('jobs');
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    await new Promise<void>((resolve, reject) => {
      receiver.subscribe(
        {
          async processMessage(message) {
            peak = Math.max(peak, ++running);
            // Hold the handler until the next turn so concurrent deliveries overlap.
            await new Promise((r) => setImmediate(r));
            seen.push(message.body as number);
            running--;
            if (seen.length === bodies.length) resolve();
          },
          async processError(args) {
            reject(args.error);
          },
        },
        { maxConcurrentCalls: 4 },
      );
    });
    await receiver.close();
    expect(peak).toBeLessThanOrEqual(4);
    expect(peak).toBeGreaterThan(1);
    expect([...seen].sort((x, y) => x - y)).toEqual(bodies);
    expect(broker.stats()[0]).toMatchObject({ active: 0, locked: 0 });
  });

  it('peeks from a sequence number, showing locked and scheduled messages too', async () => {
    const { client } = await endpoint();
    const sb = client();
    const sender = sb.createSender('jobs');
    await sender.sendMessages([{ body: 1 }, { body: 2 }, { body: 3 }]);
    await sender.sendMessages({ body: 4, scheduledEnqueueTimeUtc: new Date(Date.now() + 3_600_000) });
    const receiver = sb.createReceiver('jobs');
    await receiver.receiveMessages(1, waitShort);
    const fromTwo = await receiver.peekMessages(10, {
      fromSequenceNumber: (await receiver.peekMessages(2))[1]!.sequenceNumber!,
    });
    expect(fromTwo.map((m) => [m.body, m.state])).toEqual([
      [2, 'active'],
      [3, 'active'],
      [4, 'scheduled'],
    ]);
    // Without a sequence number, peeking continues where the client's previous peek on the entity stopped.
    const fresh = client().createReceiver('jobs');
    expect(byBody(await fresh.peekMessages(2))).toEqual([1, 2]);
    expect(byBody(await fresh.peekMessages(5))).toEqual([3, 4]);
    expect(await fresh.peekMessages(5)).toEqual([]);
  });

  it('refuses a topic as a receive source, an unknown entity, and session receivers', async () => {
    const { client } = await endpoint();
    const sb = client();
    await expect(sb.createReceiver('orders').receiveMessages(1, waitShort)).rejects.toThrow(
      /Cannot receive from topic 'orders'/,
    );
    await expect(sb.createReceiver('nope').receiveMessages(1, waitShort)).rejects.toMatchObject({
      code: 'MessagingEntityNotFound',
    });
    await expect(sb.createReceiver('nope').peekMessages(1)).rejects.toMatchObject({ code: 'MessagingEntityNotFound' });
    await expect(sb.acceptNextSession('jobs')).rejects.toThrow('Sessions are not supported by the local broker.');
    await expect(sb.acceptSession('jobs', 'session-1')).rejects.toMatchObject({ code: 'SessionCannotBeLocked' });
  });
});

describe('AMQP endpoint: settlements that arrive with a close', () => {
  const endpoint = useEndpoint();

  it('counts a client’s last settlements even when its close comes in the same read', async () => {
    const { server, key, broker, client } = await endpoint();
    await client()
      .createSender('jobs')
      .sendMessages(Array.from({ length: 20 }, (_, i) => ({ body: i })));
    const connection = await connect(server.port, { username: KEY_NAME, password: key });
    const receiver = connection.open_receiver({ source: { address: 'jobs' }, credit_window: 20, autoaccept: false });
    let received = 0;
    const closed = new Promise((resolve) => connection.once('connection_close', resolve));
    receiver.on('message', (context: EventContext) => {
      // Accepted and settled at once, as a consumer that acknowledges; the last one goes out with the close.
      context.delivery!.accept();
      if (++received === 20) connection.close();
    });
    await withDeadline(closed, 5000, 'the connection to close');
    await new Promise((resolve) => setImmediate(resolve));
    expect(broker.stats()[0]).toMatchObject({ active: 0, locked: 0 });
  });
});
