import { restStatus } from '../../../shared/lazyModule.js';
import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import type { RpcTypedData } from '../../../rpc/types.js';
import { toRpcMetadata } from '../../codec/index.js';

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** A message body as the queue holds it, in the configured encoding. */
export function encodeMessage(value: unknown, encoding: 'base64' | 'none'): string {
  const bytes = Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
  return encoding === 'base64' ? bytes.toString('base64') : bytes.toString('utf8');
}

/** The text of a message, or undefined when it is not valid Base64 while Base64 is expected. */
export function decodeMessage(text: string, encoding: 'base64' | 'none'): string | undefined {
  if (encoding === 'none') return text;
  if (text.length % 4 !== 0 || !BASE64.test(text)) return undefined;
  return Buffer.from(text, 'base64').toString('utf8');
}

function jsonProperties(text: string): Record<string, unknown> {
  try {
    const value = JSON.parse(text) as unknown;
    return value !== null && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  } catch {
    return {};
  }
}

/** The queue trigger's binding contract: the message text, its id, counts and times, as the extension names them. */
function contract(message: DequeuedMessageItem, text: string): Record<string, unknown> {
  return {
    QueueTrigger: text,
    DequeueCount: message.dequeueCount,
    ExpirationTime: message.expiresOn,
    Id: message.messageId,
    InsertionTime: message.insertedOn,
    NextVisibleTime: message.nextVisibleOn,
    PopReceipt: message.popReceipt,
  };
}

/** Trigger metadata for the worker (the library camel-cases the keys). */
export function toTriggerMetadata(message: DequeuedMessageItem, text: string): Record<string, RpcTypedData> {
  return toRpcMetadata({ ...jsonProperties(text), ...contract(message, text) });
}

/** Values for `{queueTrigger}`, `{id}` and the top-level properties of a JSON message in other bindings. */
export function toBindingData(message: DequeuedMessageItem, text: string): Record<string, unknown> {
  const data = { ...jsonProperties(text), ...contract(message, text) };
  for (const key of ['ExpirationTime', 'InsertionTime', 'NextVisibleTime'] as const) {
    data[key] = (data[key] as Date).toISOString();
  }
  return data;
}

export function triggerDetails(message: DequeuedMessageItem): string {
  return (
    `Trigger Details: MessageId: ${message.messageId}, DequeueCount: ${message.dequeueCount}, ` +
    `InsertedOn: ${message.insertedOn.toISOString()}`
  );
}

/** Adds a message, creating the queue when it does not exist yet (the extension's AddMessageAndCreateIfNotExists). */
export async function sendCreatingQueue(queue: QueueClient, text: string): Promise<void> {
  try {
    await queue.sendMessage(text);
  } catch (error) {
    if (!(restStatus(error) === 404)) throw error;
    await queue.createIfNotExists();
    await queue.sendMessage(text);
  }
}
