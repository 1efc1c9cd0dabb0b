import type { ReceivedMessage, SendMessage } from '../../../servicebus/index.js';
import type { RpcTypedData } from '../../../rpc/types.js';
import { toRpcMetadata } from '../../codec/index.js';
import { collectorItems } from '../shared/collectorItems.js';

/**
 * The top-level properties of a JSON object body (the host adds them to the trigger metadata and binding data),
 * else none. Parsed once per delivery and handed to both.
 */
export function bodyProperties(body: unknown): Record<string, unknown> {
  let value = body;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    try {
      value = JSON.parse(body.toString()) as unknown;
    } catch {
      return {};
    }
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}

/**
 * Trigger metadata as the Service Bus extension's binding contract sends it: the top-level properties of a JSON
 * body, then the extension's PascalCase names (strings as `string`, numbers, dates and dictionaries as `json`,
 * unset values left out). The library camel-cases the keys.
 */
export function toTriggerMetadata(
  message: ReceivedMessage,
  properties: Record<string, unknown>,
): Record<string, RpcTypedData> {
  return toRpcMetadata({
    ...properties,
    DeliveryCount: message.deliveryCount,
    LockToken: message.lockToken,
    ExpiresAtUtc: message.expiresAtUtc,
    ExpiresAt: message.expiresAtUtc,
    EnqueuedTimeUtc: message.enqueuedTimeUtc,
    EnqueuedTime: message.enqueuedTimeUtc,
    MessageId: message.messageId,
    SequenceNumber: message.sequenceNumber,
    ApplicationProperties: message.applicationProperties ?? {},
    UserProperties: message.applicationProperties ?? {},
    DeadLetterSource: message.deadLetterSource,
    ContentType: message.contentType,
    ReplyTo: message.replyTo,
    To: message.to,
    Subject: message.subject,
    Label: message.subject,
    CorrelationId: message.correlationId,
    SessionId: message.sessionId,
  });
}

/** Binding data for `{expressions}` in the function's other bindings (`{MessageId}`, `{ApplicationProperties.x}`). */
export function toBindingData(message: ReceivedMessage, properties: Record<string, unknown>): Record<string, unknown> {
  return {
    ...properties,
    DeliveryCount: message.deliveryCount,
    DeadLetterSource: message.deadLetterSource,
    LockToken: message.lockToken,
    ExpiresAtUtc: message.expiresAtUtc.toISOString(),
    EnqueuedTimeUtc: message.enqueuedTimeUtc.toISOString(),
    MessageId: message.messageId,
    ContentType: message.contentType,
    ReplyTo: message.replyTo,
    To: message.to,
    Subject: message.subject,
    Label: message.subject,
    CorrelationId: message.correlationId,
    SessionId: message.sessionId,
    SequenceNumber: message.sequenceNumber,
    ApplicationProperties: message.applicationProperties ?? {},
    UserProperties: message.applicationProperties ?? {},
  };
}

/** The Executing line's follow-up, as the Service Bus extension logs it. */
export function triggerDetails(message: ReceivedMessage): string {
  return (
    `Trigger Details: MessageId: ${message.messageId}, SequenceNumber: ${message.sequenceNumber}, ` +
    `DeliveryCount: ${message.deliveryCount}, EnqueuedTimeUtc: ${message.enqueuedTimeUtc.toISOString()}, ` +
    `LockedUntilUtc: ${message.lockedUntilUtc.toISOString()}, SessionId: ${message.sessionId ?? '(null)'}`
  );
}

function oneMessage(body: unknown): SendMessage {
  if (typeof body === 'string') return { body, contentType: 'text/plain' };
  if (Buffer.isBuffer(body)) return { body, contentType: 'application/octet-stream' };
  return { body };
}

/**
 * What the output collector sends for one output value: one message per collector item (an array fans out).
 * Strings stay text, bytes stay bytes, objects go as JSON.
 */
export function toOutputMessages(data: RpcTypedData): SendMessage[] {
  return collectorItems(data, 'Service Bus').map(oneMessage);
}
