import type { MessageRecord } from './entities.js';
import { decodeBody, stringFields, type MessageState, type ReceivedMessage } from './message.js';

// The message id is always set on a received message; the others only when the sender gave them.
const optionalStrings = stringFields.filter((field) => field !== 'messageId');

function stateOf(record: MessageRecord): MessageState {
  if (record.state === 'scheduled') return 'scheduled';
  return record.deferred ? 'deferred' : 'active';
}

/** A stored copy as a receiver sees it: a fresh object, body decoded anew. Peeked copies carry no lock. */
export function toReceived(record: MessageRecord, locked: boolean): ReceivedMessage {
  const { properties } = record;
  const message: ReceivedMessage = {
    body: decodeBody(record.body),
    encodedBody: record.body,
    messageId: record.messageId,
    sequenceNumber: record.sequenceNumber,
    deliveryCount: record.deliveryCount,
    enqueuedTimeUtc: new Date(record.enqueuedAt),
    expiresAtUtc: new Date(record.expiresAt),
    lockToken: locked ? record.lock!.token : '',
    lockedUntilUtc: new Date(locked ? record.lock!.until : 0),
    applicationProperties: { ...properties.applicationProperties },
    state: stateOf(record),
  };
  for (const field of optionalStrings) {
    if (properties[field] !== undefined) message[field] = properties[field];
  }
  if (properties.timeToLiveMs !== undefined) message.timeToLiveMs = properties.timeToLiveMs;
  if (properties.scheduledEnqueueTimeUtc !== undefined) {
    message.scheduledEnqueueTimeUtc = new Date(properties.scheduledEnqueueTimeUtc);
  }
  if (record.deadLetterSource !== undefined) message.deadLetterSource = record.deadLetterSource;
  return message;
}
