import type { ReceivedMessage } from '../message.js';
import { fromAmqp, toAmqp, toNumber, uuidBytes, uuidText } from './codec.js';
import type { ConnectionContext } from './context.js';
import { applyDisposition, deadLetterOf, type Disposition } from './dispositions.js';
import { amqpMessage, amqpTypes } from './rheaInternals.js';
import { toApplicationProperties } from './codec.js';

export type Reply = { status: number; body?: unknown };
export type Operation = (ctx: ConnectionContext, entityPath: string, body: Record<string, unknown>) => Promise<Reply>;

const LONG = 0x81;
const TIMESTAMP = 0x83;

function list(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value) || value.length === 0) throw new TypeError(`${what} must be a non-empty list.`);
  return value;
}

const numbers = (value: unknown, what: string) => list(value, what).map((n, i) => toNumber(n, `${what}[${i}]`));

function lockTokens(value: unknown): string[] {
  return list(value, 'lock-tokens').map((token) => {
    if (!Buffer.isBuffer(token) || token.length !== 16) throw new TypeError('lock-tokens must be UUIDs.');
    return uuidText(token);
  });
}

function count(value: unknown, what: string): number {
  const n = toNumber(value, what);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`${what} must be a positive integer, got ${n}.`);
  return n;
}

const withoutBody = (message: ReceivedMessage): ReceivedMessage => ({
  ...message,
  encodedBody: { kind: 'amqp', data: Buffer.alloc(0) },
});

async function peek(ctx: ConnectionContext, path: string, body: Record<string, unknown>): Promise<Reply> {
  const from = toNumber(body['from-sequence-number'] ?? 0, 'from-sequence-number');
  const peeked = ctx.broker.peek(path, count(body['message-count'], 'message-count'), from);
  if (peeked.length === 0) return { status: 204 };
  const shown = body['omit-message-body'] === true ? peeked.map(withoutBody) : peeked;
  return { status: 200, body: { messages: shown.map((m) => ({ message: toAmqp(m, 'peek') })) } };
}

async function renewLock(ctx: ConnectionContext, path: string, body: Record<string, unknown>): Promise<Reply> {
  const expirations = lockTokens(body['lock-tokens']).map((token) => ctx.broker.renewLock(path, token).getTime());
  return { status: 200, body: { expirations: amqpTypes.wrap_array(expirations, TIMESTAMP, undefined) } };
}

async function schedule(ctx: ConnectionContext, path: string, body: Record<string, unknown>): Promise<Reply> {
  const messages = list(body.messages, 'messages').map((entry, i) => {
    const encoded = (entry as { message?: unknown } | null)?.message;
    if (!Buffer.isBuffer(encoded)) throw new TypeError(`messages[${i}].message must be an encoded AMQP message.`);
    const message = fromAmqp(amqpMessage.decode(encoded), `messages[${i}]`);
    if (!message.scheduledEnqueueTimeUtc) throw new TypeError(`messages[${i}] has no scheduled enqueue time.`);
    return message;
  });
  const sequenceNumbers = await ctx.broker.send(path, messages);
  return { status: 200, body: { 'sequence-numbers': amqpTypes.wrap_array(sequenceNumbers, LONG, undefined) } };
}

async function cancelScheduled(ctx: ConnectionContext, path: string, body: Record<string, unknown>): Promise<Reply> {
  await ctx.broker.cancelScheduled(path, numbers(body['sequence-numbers'], 'sequence-numbers'));
  return { status: 200, body: {} };
}

async function receiveBySequence(ctx: ConnectionContext, path: string, body: Record<string, unknown>): Promise<Reply> {
  const mode =
    toNumber(body['receiver-settle-mode'] ?? 1, 'receiver-settle-mode') === 0 ? 'receiveAndDelete' : 'peekLock';
  const received = ctx.broker.receiveDeferred(path, numbers(body['sequence-numbers'], 'sequence-numbers'), mode);
  const messages = received.map((m) => {
    const entry: Record<string, unknown> = { message: toAmqp(m, 'delivery') };
    if (m.lockToken !== '') entry['lock-token'] = amqpTypes.wrap_uuid(uuidBytes(m.lockToken));
    return entry;
  });
  return { status: 200, body: { messages } };
}

function dispositionOf(body: Record<string, unknown>): Disposition {
  const status = body['disposition-status'];
  const properties = toApplicationProperties(body['properties-to-modify'], 'properties-to-modify');
  switch (status) {
    case 'completed':
      return { kind: 'complete' };
    case 'abandoned':
      return { kind: 'abandon', properties };
    // The JS SDK spells it "defered".
    case 'defered':
    case 'deferred':
      return { kind: 'defer', properties };
    case 'suspended':
      return deadLetterOf(properties ?? {}, body['deadletter-reason'], body['deadletter-description']);
    default:
      throw new TypeError(`disposition-status '${String(status)}' is not completed, abandoned, defered or suspended.`);
  }
}

async function updateDisposition(ctx: ConnectionContext, path: string, body: Record<string, unknown>): Promise<Reply> {
  const disposition = dispositionOf(body);
  for (const token of lockTokens(body['lock-tokens'])) await applyDisposition(ctx.broker, path, token, disposition);
  return { status: 200, body: {} };
}

/** The `$management` message operations, by the names the SDKs send. */
export const messageOperations: Record<string, Operation> = {
  'com.microsoft:peek-message': peek,
  'com.microsoft:renew-lock': renewLock,
  'com.microsoft:schedule-message': schedule,
  'com.microsoft:cancel-scheduled-message': cancelScheduled,
  'com.microsoft:receive-by-sequence-number': receiveBySequence,
  'com.microsoft:update-disposition': updateDisposition,
};
