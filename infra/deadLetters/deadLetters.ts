import { randomUUID } from 'node:crypto';
import type { ServiceBusClient, ServiceBusReceivedMessage } from '@azure/service-bus';

/** A queue or a subscription (`<topic>/Subscriptions/<name>`), whose dead-letter queue the command works on. */
export type DeadLetterSource = { queue: string } | { topic: string; subscription: string };

export type DeadLetterSummary = {
  entity: string;
  sequenceNumber: string;
  messageId: string;
  enqueuedTimeUtc: string | undefined;
  deliveryCount: number | undefined;
  reason: string | undefined;
  description: string | undefined;
};

const PAGE = 100;
const WAIT_MS = 2000;

export function entityName(source: DeadLetterSource): string {
  return 'queue' in source ? source.queue : `${source.topic}/Subscriptions/${source.subscription}`;
}

function deadLetterReceiver(client: ServiceBusClient, source: DeadLetterSource, mode: 'peekLock' | 'receiveAndDelete') {
  const options = { subQueueType: 'deadLetter' as const, receiveMode: mode, maxAutoLockRenewalDurationInMs: 0 };
  return 'queue' in source
    ? client.createReceiver(source.queue, options)
    : client.createReceiver(source.topic, source.subscription, options);
}

function summary(entity: string, m: ServiceBusReceivedMessage): DeadLetterSummary {
  return {
    entity,
    sequenceNumber: m.sequenceNumber?.toString() ?? '',
    messageId: String(m.messageId ?? ''),
    enqueuedTimeUtc: m.enqueuedTimeUtc?.toISOString(),
    deliveryCount: m.deliveryCount,
    reason: m.deadLetterReason,
    description: m.deadLetterErrorDescription,
  };
}

/** Browses the dead-letter queue (nothing is locked or changed), up to `max` messages. */
export async function listDeadLetters(
  client: ServiceBusClient,
  source: DeadLetterSource,
  max: number,
): Promise<DeadLetterSummary[]> {
  const receiver = deadLetterReceiver(client, source, 'peekLock');
  const found: DeadLetterSummary[] = [];
  try {
    while (found.length < max) {
      const page = await receiver.peekMessages(Math.min(PAGE, max - found.length));
      if (page.length === 0) break;
      found.push(...page.map((m) => summary(entityName(source), m)));
    }
  } finally {
    await receiver.close();
  }
  return found;
}

/**
 * Sends each dead letter back to where it came from (the queue, or the subscription's topic) and only then
 * completes it, so a failure in between leaves a copy too many rather than none. The copy gets a new message id
 * (the original goes in application property `OriginalMessageId`): duplicate detection would drop it otherwise.
 */
export async function resubmitDeadLetters(
  client: ServiceBusClient,
  source: DeadLetterSource,
  max: number,
): Promise<DeadLetterSummary[]> {
  const receiver = deadLetterReceiver(client, source, 'peekLock');
  const sender = client.createSender('queue' in source ? source.queue : source.topic);
  const done: DeadLetterSummary[] = [];
  try {
    while (done.length < max) {
      const batch = await receiver.receiveMessages(Math.min(PAGE, max - done.length), { maxWaitTimeInMs: WAIT_MS });
      if (batch.length === 0) break;
      for (const message of batch) {
        const {
          DeadLetterReason: _r,
          DeadLetterErrorDescription: _d,
          ...properties
        } = message.applicationProperties ?? {};
        const copy = {
          ...message,
          messageId: randomUUID(),
          applicationProperties: { ...properties, OriginalMessageId: String(message.messageId ?? '') },
        };
        await sender.sendMessages(copy);
        await receiver.completeMessage(message);
        done.push(summary(entityName(source), message));
      }
    }
  } finally {
    await Promise.all([receiver.close(), sender.close()]);
  }
  return done;
}

/** Deletes up to `max` dead letters (receive-and-delete); returns how many went. */
export async function purgeDeadLetters(
  client: ServiceBusClient,
  source: DeadLetterSource,
  max: number,
): Promise<number> {
  const receiver = deadLetterReceiver(client, source, 'receiveAndDelete');
  let purged = 0;
  try {
    while (purged < max) {
      const batch = await receiver.receiveMessages(Math.min(PAGE, max - purged), { maxWaitTimeInMs: WAIT_MS });
      if (batch.length === 0) break;
      purged += batch.length;
    }
  } finally {
    await receiver.close();
  }
  return purged;
}
