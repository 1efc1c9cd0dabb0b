import rhea from 'rhea';
import { ServiceBusError } from './errors.js';

export type ApplicationProperties = Record<string, string | number | boolean | null>;

export type SendMessage = {
  /** string | Buffer | JSON-able value, stored as given. */
  body: unknown;
  contentType?: string;
  messageId?: string;
  correlationId?: string;
  subject?: string;
  to?: string;
  replyTo?: string;
  sessionId?: string;
  replyToSessionId?: string;
  partitionKey?: string;
  applicationProperties?: ApplicationProperties;
  timeToLiveMs?: number;
  scheduledEnqueueTimeUtc?: Date;
};

export type MessageState = 'active' | 'deferred' | 'scheduled';

export type ReceivedMessage = SendMessage & {
  /** Generated when the sender gave none. */
  messageId: string;
  sequenceNumber: number;
  /** 1 on first delivery, as Functions shows it. */
  deliveryCount: number;
  enqueuedTimeUtc: Date;
  expiresAtUtc: Date;
  /** Empty for peeked messages. */
  lockToken: string;
  lockedUntilUtc: Date;
  /** Set on messages in a $DeadLetterQueue: the entity they were dead-lettered from. */
  deadLetterSource?: string;
  /** Peeked messages: where the message stands (received ones are always `active`). */
  state: MessageState;
  /** The body as stored, for protocol fronts that hand it on without decoding it. */
  encodedBody: EncodedBody;
};

/** The sender-given properties kept with a message (JSON on disk). */
export type StoredProperties = {
  contentType?: string;
  correlationId?: string;
  subject?: string;
  to?: string;
  replyTo?: string;
  sessionId?: string;
  replyToSessionId?: string;
  partitionKey?: string;
  applicationProperties: ApplicationProperties;
  timeToLiveMs?: number;
  scheduledEnqueueTimeUtc?: number;
};

/**
 * Bodies are kept encoded so every delivery hands out a fresh copy and disk and memory behave alike. `amqp` holds
 * the AMQP body sections of a message sent over AMQP whose body is not one data section (an AMQP value or
 * sequence), exactly as they arrived, so they go out unchanged.
 */
export type EncodedBody =
  | { kind: 'string'; data: string }
  | { kind: 'bytes'; data: Buffer }
  | { kind: 'json'; data: string }
  | { kind: 'amqp'; data: Buffer };

/** Azure Standard tier's limit for one message (body plus properties). */
export const maxMessageBytes = 256 * 1024;
const maxIdLength = 128;
/** The string properties a message may carry, as sent and as received. */
export const stringFields = [
  'contentType',
  'messageId',
  'correlationId',
  'subject',
  'to',
  'replyTo',
  'sessionId',
  'replyToSessionId',
  'partitionKey',
] as const;
const limitedFields: readonly string[] = ['messageId', 'sessionId', 'replyToSessionId', 'partitionKey'];

function fail(where: string, problem: string): never {
  throw new TypeError(`${where} ${problem}`);
}

/** A body given as encoded AMQP body sections (see EncodedBody `amqp`). */
export class AmqpBodySections {
  constructor(readonly sections: Buffer) {}
}

export function encodeBody(body: unknown, where: string): EncodedBody {
  if (body === undefined) fail(`${where}.body`, 'is required (use null for an empty body)');
  if (typeof body === 'string') return { kind: 'string', data: body };
  if (body instanceof AmqpBodySections) return { kind: 'amqp', data: Buffer.from(body.sections) };
  if (body instanceof Uint8Array) return { kind: 'bytes', data: Buffer.from(body) };
  let data: string | undefined;
  try {
    data = JSON.stringify(body);
  } catch (error) {
    fail(`${where}.body`, `cannot be serialized as JSON: ${(error as Error).message}`);
  }
  if (data === undefined) fail(`${where}.body`, 'must be a string, a Buffer or a JSON-serializable value');
  return { kind: 'json', data };
}

export function decodeBody(body: EncodedBody): unknown {
  if (body.kind === 'string') return body.data;
  if (body.kind === 'bytes') return Buffer.from(body.data);
  if (body.kind === 'amqp') return decodeAmqpBody(body.data);
  return JSON.parse(body.data) as unknown;
}

/** An AMQP value's value, a sequence's list (lists, when several), or several data sections' bytes joined. */
function decodeAmqpBody(sections: Buffer): unknown {
  const body: unknown = rhea.message.decode(sections).body;
  if (body && typeof body === 'object' && 'typecode' in body && 'content' in body) {
    const { typecode, content, multiple } = body as { typecode: number; content: unknown; multiple?: boolean };
    if (typecode === 0x75 && multiple) return Buffer.concat(content as Buffer[]);
    return content;
  }
  return body;
}

export function bodyBytes(body: EncodedBody): number {
  return typeof body.data === 'string' ? Buffer.byteLength(body.data) : body.data.length;
}

export function validateApplicationProperties(value: unknown, where: string): ApplicationProperties {
  if (value === undefined) return {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(where, 'must be an object');
  const copy: ApplicationProperties = {};
  for (const [key, entry] of Object.entries(value)) {
    const ok =
      entry === null ||
      typeof entry === 'string' ||
      typeof entry === 'boolean' ||
      (typeof entry === 'number' && Number.isFinite(entry));
    if (!ok) fail(`${where}.${key}`, 'must be a string, a finite number, a boolean or null');
    // Names come from the sender: defined, not assigned, so `__proto__` is kept as a property like any other.
    Object.defineProperty(copy, key, { value: entry, enumerable: true, writable: true, configurable: true });
  }
  return copy;
}

export type ValidatedMessage = { messageId: string | undefined; properties: StoredProperties; body: EncodedBody };

/** Checks one outgoing message and copies what the broker keeps; `where` names it in errors (`messages[2]`). */
export function validateSendMessage(message: SendMessage, where: string): ValidatedMessage {
  if (message === null || typeof message !== 'object') fail(where, 'must be an object with a body');
  const properties: StoredProperties = {
    applicationProperties: validateApplicationProperties(
      message.applicationProperties,
      `${where}.applicationProperties`,
    ),
  };
  for (const field of stringFields) {
    const value = message[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') fail(`${where}.${field}`, 'must be a string');
    if (limitedFields.includes(field) && (value.length === 0 || value.length > maxIdLength)) {
      fail(`${where}.${field}`, `must be 1 to ${maxIdLength} characters`);
    }
    if (field !== 'messageId') properties[field] = value;
  }
  if (message.timeToLiveMs !== undefined) {
    if (typeof message.timeToLiveMs !== 'number' || !(message.timeToLiveMs > 0)) {
      fail(`${where}.timeToLiveMs`, 'must be a positive number of milliseconds');
    }
    properties.timeToLiveMs = message.timeToLiveMs;
  }
  if (message.scheduledEnqueueTimeUtc !== undefined) {
    const at = message.scheduledEnqueueTimeUtc;
    if (!(at instanceof Date) || Number.isNaN(at.getTime()))
      fail(`${where}.scheduledEnqueueTimeUtc`, 'must be a valid Date');
    properties.scheduledEnqueueTimeUtc = at.getTime();
  }
  const body = encodeBody(message.body, where);
  const size = bodyBytes(body) + Buffer.byteLength(JSON.stringify(properties)) + (message.messageId?.length ?? 0);
  if (size > maxMessageBytes) {
    throw new ServiceBusError(
      'MessageSizeExceeded',
      `${where} is ${size} bytes; the maximum message size is ${maxMessageBytes} bytes (body and properties).`,
    );
  }
  return { messageId: message.messageId, properties, body };
}
