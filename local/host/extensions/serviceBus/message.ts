import type { ReceivedMessage, SendMessage } from '../../../servicebus/index.js';
import type { RpcTypedData } from '../../../rpc/types.js';
import { toRpcMetadata } from '../../codec/index.js';
import { collectorItems } from '../shared/collectorItems.js';

/** The top-level properties of a JSON object body (the host adds them to the binding data), else none. */
function bodyProperties(body: unknown): Record<string, unknown> {
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
 * The Service Bus extension's binding contract: the top-level properties of a JSON body, then the extension's
 * PascalCase names for the message's fields. Built once per delivery (the body parsed once) for both the
 * trigger metadata and the binding data.
 */
export function bindingContract(message: ReceivedMessage): Record<string, unknown> {
  return {
    ...bodyProperties(message.body),
    DeliveryCount: message.deliveryCount,
    LockToken: message.lockToken,
    ExpiresAtUtc: message.expiresAtUtc,
    EnqueuedTimeUtc: message.enqueuedTimeUtc,
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
  };
}

/**
 * Trigger metadata as the extension sends it: the contract, with the times also under their older names
 * (strings as `string`, numbers, dates and dictionaries as `json`, unset values left out). The library
 * camel-cases the keys.
 */
export function toTriggerMetadata(
  message: ReceivedMessage,
  contract: Record<string, unknown>,
): Record<string, RpcTypedData> {
  return toRpcMetadata({
    ...contract,
    ExpiresAt: message.expiresAtUtc,
    EnqueuedTime: message.enqueuedTimeUtc,
  });
}

/** Binding data for `{expressions}` in the function's other bindings (`{MessageId}`, `{ApplicationProperties.x}`). */
export function toBindingData(message: ReceivedMessage, contract: Record<string, unknown>): Record<string, unknown> {
  return {
    ...contract,
    ExpiresAtUtc: message.expiresAtUtc.toISOString(),
    EnqueuedTimeUtc: message.enqueuedTimeUtc.toISOString(),
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
