import type { ReceivedMessage, SendMessage } from '../../../servicebus/index.js';
import type { RpcTypedData } from '../../../rpc/types.js';

/** The body as the extension hands it to a Node worker: a string (bytes decoded as UTF-8, JSON values as JSON). */
export function toTriggerBody(body: unknown): string {
  if (typeof body === 'string') return body;
  if (Buffer.isBuffer(body)) return body.toString('utf8');
  return JSON.stringify(body) ?? '';
}

const json = (value: unknown): RpcTypedData => ({ json: JSON.stringify(value) });

/**
 * Trigger metadata as the Service Bus extension's binding contract sends it (PascalCase keys; strings as `string`,
 * numbers, dates and dictionaries as `json`; unset values left out). The library camel-cases the keys.
 */
export function toTriggerMetadata(message: ReceivedMessage): Record<string, RpcTypedData> {
  const metadata: Record<string, RpcTypedData> = {
    DeliveryCount: json(message.deliveryCount),
    LockToken: { string: message.lockToken },
    ExpiresAtUtc: json(message.expiresAtUtc.toISOString()),
    ExpiresAt: json(message.expiresAtUtc.toISOString()),
    EnqueuedTimeUtc: json(message.enqueuedTimeUtc.toISOString()),
    EnqueuedTime: json(message.enqueuedTimeUtc.toISOString()),
    MessageId: { string: message.messageId },
    SequenceNumber: json(message.sequenceNumber),
    ApplicationProperties: json(message.applicationProperties ?? {}),
    UserProperties: json(message.applicationProperties ?? {}),
  };
  const strings: [string, string | undefined][] = [
    ['DeadLetterSource', message.deadLetterSource],
    ['ContentType', message.contentType],
    ['ReplyTo', message.replyTo],
    ['To', message.to],
    ['Subject', message.subject],
    ['Label', message.subject],
    ['CorrelationId', message.correlationId],
    ['SessionId', message.sessionId],
  ];
  for (const [key, value] of strings) if (value !== undefined) metadata[key] = { string: value };
  return metadata;
}

/** Binding data for `{expressions}` in the function's other bindings (`{MessageId}`, `{ApplicationProperties.x}`). */
export function toBindingData(message: ReceivedMessage): Record<string, unknown> {
  return {
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
 * What the output collector sends for one output value: a JSON array (or a string holding one) fans out into one
 * message per element; anything else is one message. Strings stay text, bytes stay bytes, objects go as JSON.
 */
export function toOutputMessages(value: RpcTypedData): SendMessage[] {
  let parsed: unknown;
  if (value.string !== undefined && value.string !== null) {
    try {
      parsed = JSON.parse(value.string);
    } catch {
      parsed = undefined;
    }
    return Array.isArray(parsed) ? parsed.map(oneMessage) : [oneMessage(value.string)];
  }
  if (value.json !== undefined && value.json !== null) {
    parsed = JSON.parse(value.json);
    return Array.isArray(parsed) ? parsed.map(oneMessage) : [oneMessage(parsed)];
  }
  const bytes = value.bytes ?? value.stream;
  if (bytes) return [oneMessage(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength))];
  if (typeof value.int === 'number') return [oneMessage(value.int)];
  if (typeof value.double === 'number') return [oneMessage(value.double)];
  throw new Error('The Service Bus output binding cannot send a value of this type (collections are not supported).');
}
