import type { ReceivedMessage, ServiceBusBroker } from '../servicebus/index.js';

export type MessageBody = { kind: 'text' | 'json' | 'bytes'; text: string };

/** A peeked message as the inspector shows it: every property, the body as text (bytes as base64). */
export type PeekedMessage = Omit<ReceivedMessage, 'body' | 'lockToken' | 'lockedUntilUtc'> & { body: MessageBody };

function bodyOf(body: unknown): MessageBody {
  if (typeof body === 'string') return { kind: 'text', text: body };
  if (Buffer.isBuffer(body)) return { kind: 'bytes', text: body.toString('base64') };
  return { kind: 'json', text: JSON.stringify(body, null, 2) };
}

/** Every entity with its counts, and where a test message can be sent (queues and topics). */
export function serviceBusEntities(broker: ServiceBusBroker) {
  const stats = broker.stats();
  const targets = new Set<string>();
  for (const entity of stats) {
    if (entity.kind === 'queue') targets.add(entity.path);
    if (entity.kind === 'subscription') targets.add(entity.path.split('/Subscriptions/')[0]!);
  }
  return { entities: stats, sendTargets: [...targets] };
}

/** The first `max` messages of an entity in sequence order, without locking them. */
export function peekMessages(broker: ServiceBusBroker, entity: string, max: number): PeekedMessage[] {
  return broker.peek(entity, max).map(({ body, lockToken: _token, lockedUntilUtc: _until, ...rest }) => ({
    ...rest,
    body: bodyOf(body),
  }));
}
