import type { Message } from 'rhea';
import { AmqpBodySections, type ApplicationProperties, type ReceivedMessage, type SendMessage } from '../message.js';
import { amqpMessage, amqpTypes } from './rheaInternals.js';
import { WireWriter, type WireValue } from './wireWriter.js';

/** Message annotations Service Bus reads and writes (names as on the wire). */
export const annotation = {
  sequenceNumber: 'x-opt-sequence-number',
  enqueuedTime: 'x-opt-enqueued-time',
  lockedUntil: 'x-opt-locked-until',
  scheduledEnqueueTime: 'x-opt-scheduled-enqueue-time',
  partitionKey: 'x-opt-partition-key',
  deadLetterSource: 'x-opt-deadletter-source',
  messageState: 'x-opt-message-state',
} as const;

const DATA_SECTION = 0x75;
const messageStates = { active: 0, deferred: 1, scheduled: 2 } as const;

type BodySection = { typecode: number; content: unknown; multiple?: boolean; collect_sections(out: unknown[]): void };

function isSection(body: unknown): body is BodySection {
  return typeof body === 'object' && body !== null && 'typecode' in body && 'collect_sections' in body;
}

/** Numbers stay numbers; rhea hands over 64-bit values beyond 2^53 as 8 big-endian bytes. */
export function toNumber(value: unknown, what: string): number {
  if (typeof value === 'number') return value;
  if (Buffer.isBuffer(value) && value.length === 8) return Number(value.readBigInt64BE());
  throw new TypeError(`${what} must be a number.`);
}

/** AMQP message-id / correlation-id values (string, ulong, uuid, binary) as the broker's string ids. */
function idText(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  if (Buffer.isBuffer(value)) return value.length === 16 ? uuidText(value) : value.toString('hex');
  throw new TypeError(`${what} must be a string, a number or a UUID.`);
}

export function uuidText(bytes: Buffer): string {
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uuidBytes(text: string): Buffer {
  if (!UUID.test(text)) throw new TypeError(`'${text}' is not a UUID.`);
  return Buffer.from(
    text.slice(0, 8) + text.slice(9, 13) + text.slice(14, 18) + text.slice(19, 23) + text.slice(24),
    'hex',
  );
}

/** .NET's Guid byte order: the first three groups little-endian, the rest as written. Its own inverse. */
function swapGuidOrder(b: Buffer): Buffer {
  b.subarray(0, 4).swap32();
  b.subarray(4, 8).swap16();
  return b;
}

/** A lock token as its delivery tag, in .NET's Guid byte order, as Service Bus sends it. */
export function lockTokenTag(token: string): Buffer {
  return swapGuidOrder(uuidBytes(token));
}

export function lockTokenFromTag(tag: Buffer | string): string {
  const bytes = Buffer.from(tag); // a copy: the delivery keeps its tag
  if (bytes.length !== 16) throw new TypeError('A delivery tag of 16 bytes (a lock token) was expected.');
  return uuidText(swapGuidOrder(bytes));
}

/** Application properties (or properties to modify) from the wire; `where` names them in errors. */
export function toApplicationProperties(value: unknown, where: string): ApplicationProperties | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value)) throw new TypeError(`${where} must be a map.`);
  const copy: ApplicationProperties = {};
  for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
    // Timestamps become epoch milliseconds, which is also what @azure/service-bus hands a receiver.
    if (entry instanceof Date) copy[key] = entry.getTime();
    else if (entry === null || ['string', 'number', 'boolean'].includes(typeof entry)) {
      copy[key] = entry as string | number | boolean | null;
    } else {
      throw new TypeError(
        `${where}.${key} has an AMQP type the local broker does not keep (it keeps strings, numbers, booleans, timestamps and null).`,
      );
    }
  }
  return copy;
}

/** One data section is kept as bytes; any other body (AMQP value or sequence) as its encoded sections. */
function bodyOf(body: unknown): unknown {
  if (isSection(body) && body.typecode === DATA_SECTION && !body.multiple) return body.content as Buffer;
  const sections: unknown[] = [];
  if (isSection(body)) body.collect_sections(sections);
  else sections.push(amqpTypes.described(amqpTypes.wrap_ulong(0x77), amqpTypes.wrap(body)));
  const writer = new amqpTypes.Writer();
  for (const section of sections) writer.write(section);
  return new AmqpBodySections(writer.toBuffer());
}

function optionalString(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new TypeError(`${what} must be a string.`);
  return value;
}

function scheduledTime(value: unknown): Date | undefined {
  if (value === undefined || value === null) return undefined;
  if (value instanceof Date) return value;
  return new Date(toNumber(value, `${annotation.scheduledEnqueueTime}`));
}

/** A message as a client sent it, in the broker's terms; `where` names it in errors. */
export function fromAmqp(message: Message, where: string): SendMessage {
  const annotations = (message.message_annotations ?? {}) as Record<string, unknown>;
  const sent: SendMessage = { body: bodyOf(message.body) };
  const strings: [keyof SendMessage, unknown][] = [
    ['messageId', idText(message.message_id, `${where}.messageId`)],
    ['correlationId', idText(message.correlation_id, `${where}.correlationId`)],
    ['contentType', message.content_type],
    ['subject', message.subject],
    ['to', message.to],
    ['replyTo', message.reply_to],
    ['sessionId', message.group_id],
    ['replyToSessionId', message.reply_to_group_id],
    ['partitionKey', annotations[annotation.partitionKey]],
  ];
  for (const [field, value] of strings) {
    const text = optionalString(value, `${where}.${field}`);
    if (text !== undefined) (sent as Record<string, unknown>)[field] = text;
  }
  const properties = toApplicationProperties(message.application_properties, `${where}.applicationProperties`);
  if (properties) sent.applicationProperties = properties;
  if (typeof message.ttl === 'number' && message.ttl > 0) sent.timeToLiveMs = message.ttl;
  const at = scheduledTime(annotations[annotation.scheduledEnqueueTime]);
  if (at) sent.scheduledEnqueueTimeUtc = at;
  return sent;
}

/** The messages of a batch transfer (format 0x80013700): each data section of the envelope is one message. */
export function fromBatch(envelope: Buffer): SendMessage[] {
  const { body } = amqpMessage.decode(envelope);
  const parts = isSection(body) && body.typecode === DATA_SECTION ? body.content : undefined;
  const list = body === undefined ? [] : parts === undefined ? undefined : body.multiple ? parts : [parts];
  if (!Array.isArray(list)) throw new TypeError('A batch message must carry its messages in data sections.');
  return list.map((bytes: Buffer, i) => fromAmqp(amqpMessage.decode(bytes), `messages[${i}]`));
}

function annotationsOf(message: ReceivedMessage, peeked: boolean): [string, WireValue][] {
  const out: [string, WireValue][] = [
    [annotation.sequenceNumber, { long: message.sequenceNumber }],
    [annotation.enqueuedTime, { timestamp: message.enqueuedTimeUtc.getTime() }],
  ];
  if (message.lockToken !== '') out.push([annotation.lockedUntil, { timestamp: message.lockedUntilUtc.getTime() }]);
  if (message.scheduledEnqueueTimeUtc) {
    out.push([annotation.scheduledEnqueueTime, { timestamp: message.scheduledEnqueueTimeUtc.getTime() }]);
  }
  if (message.partitionKey !== undefined) out.push([annotation.partitionKey, message.partitionKey]);
  if (message.deadLetterSource !== undefined) out.push([annotation.deadLetterSource, message.deadLetterSource]);
  if (peeked || message.state !== 'active') out.push([annotation.messageState, messageStates[message.state]]);
  return out;
}

const MAX_UINT = 2 ** 32 - 1;
const orNull = (value: string | undefined): WireValue => value ?? null;

/**
 * A stored message encoded for the wire, as a delivery (locked, or removed in receive-and-delete mode) or as a
 * peek result. `delivery-count` is always written and counts earlier deliveries (0 on the first), while the
 * broker's count of a delivered message includes the delivery under way.
 */
export function toAmqp(message: ReceivedMessage, use: 'delivery' | 'peek'): Buffer {
  const peeked = use === 'peek';
  const wire = new WireWriter();
  const ttl = message.timeToLiveMs === undefined ? null : { uint: Math.min(message.timeToLiveMs, MAX_UINT) };
  wire.listSection(0x70, [null, null, ttl, null, { uint: Math.max(0, message.deliveryCount - (peeked ? 0 : 1)) }]);
  wire.mapSection(0x72, annotationsOf(message, peeked), true);
  // properties: message-id, user-id, to, subject, reply-to, correlation-id, content-type, content-encoding,
  // absolute-expiry-time, creation-time, group-id, group-sequence, reply-to-group-id
  wire.listSection(0x73, [
    message.messageId,
    null,
    orNull(message.to),
    orNull(message.subject),
    orNull(message.replyTo),
    orNull(message.correlationId),
    message.contentType === undefined ? null : { symbol: message.contentType },
    null,
    null,
    null,
    orNull(message.sessionId),
    null,
    orNull(message.replyToSessionId),
  ]);
  const properties = Object.entries(message.applicationProperties ?? {});
  if (properties.length > 0) wire.mapSection(0x74, properties, false);
  const body = message.encodedBody;
  // An `amqp` body is already encoded: it follows the other sections as it arrived.
  if (body.kind === 'amqp') wire.raw(body.data);
  else wire.dataSection(body.kind === 'bytes' ? body.data : Buffer.from(body.data));
  return wire.toBuffer();
}
