import type { ServiceBusMessage } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../local/shared/clock.js';
import { useEndpoint } from './helpers.js';

const waitShort = { maxWaitTimeInMs: 2000 };
// The broker's clock drives lock expiry; the SDK's own lock renewal runs on real timers, so it is off here.
const noAutoRenewal = { maxAutoLockRenewalDurationInMs: 0 };

describe('AMQP endpoint: locks on the broker clock, with @azure/service-bus', () => {
  const endpoint = useEndpoint();

  /** An endpoint on a clock the test moves, `message` sent to jobs, and a receiver of jobs without renewal. */
  async function sentToJobs(message: ServiceBusMessage) {
    const clock = new ManualClock(Date.now());
    const { client } = await endpoint({ clock });
    const sb = client();
    await sb.createSender('jobs').sendMessages(message);
    return { clock, sb, receiver: sb.createReceiver('jobs', noAutoRenewal) };
  }

  it('a lock lasts LockDuration on the broker clock; renewMessageLock extends it from now', async () => {
    const { clock, receiver } = await sentToJobs({ body: 'slow work' });
    const [message] = await receiver.receiveMessages(1, waitShort);
    const receivedAt = clock.now();
    expect(message!.lockedUntilUtc!.getTime()).toBe(receivedAt + 30_000);
    clock.advance(20_000);
    const renewed = await receiver.renewMessageLock(message!);
    expect(renewed.getTime()).toBe(receivedAt + 20_000 + 30_000);
    expect(message!.lockedUntilUtc!.getTime()).toBe(renewed.getTime());
    // Past the first lock's end, the renewed lock still holds.
    clock.advance(20_000);
    await receiver.completeMessage(message!);
    expect(await receiver.peekMessages(1)).toEqual([]);
  });

  it('an expired lock returns the message (delivery count + 1) and settling with the old token fails with MessageLockLost', async () => {
    const { clock, receiver } = await sentToJobs({ body: 'forgotten' });
    const [first] = await receiver.receiveMessages(1, waitShort);
    clock.advance(30_000);
    await expect(receiver.completeMessage(first!)).rejects.toMatchObject({ code: 'MessageLockLost' });
    await expect(receiver.renewMessageLock(first!)).rejects.toMatchObject({ code: 'MessageLockLost' });
    const [second] = await receiver.receiveMessages(1, waitShort);
    expect(second).toMatchObject({ body: 'forgotten', deliveryCount: 1 });
    await receiver.completeMessage(second!);
  });

  it('dead-letters after MaxDeliveryCount deliveries, by abandon or by lock expiry', async () => {
    const { clock, sb, receiver } = await sentToJobs({ body: 'poison', messageId: 'poison' });
    // MaxDeliveryCount 3: two abandons, then the third lock expires.
    for (let attempt = 0; attempt < 2; attempt++) {
      const [message] = await receiver.receiveMessages(1, waitShort);
      expect(message!.deliveryCount).toBe(attempt);
      await receiver.abandonMessage(message!);
    }
    const [last] = await receiver.receiveMessages(1, waitShort);
    expect(last!.deliveryCount).toBe(2);
    clock.advance(30_000);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    const [dead] = await sb.createReceiver('jobs', { subQueueType: 'deadLetter' }).receiveMessages(1, waitShort);
    expect(dead).toMatchObject({
      messageId: 'poison',
      deadLetterReason: 'MaxDeliveryCountExceeded',
      deadLetterErrorDescription: 'Message could not be consumed after 3 delivery attempts.',
      deadLetterSource: 'jobs',
      deliveryCount: 3,
    });
  });
});
