import { messageTraceContext, type Telemetry, type TelemetrySpan } from '../telemetry/index.js';
import type { MessageRecord } from './entities.js';

export type Settlement = 'completed' | 'deferred' | 'abandoned' | 'dead-lettered' | 'lock expired';

const SYSTEM = { 'messaging.system': 'servicebus' } as const;

/**
 * What the broker records of a message's life, as spans under the trace the message carries (`Diagnostic-Id`):
 * its enqueue, each delivery attempt from lock to settlement, dead-lettering and expiry. A message that carries no
 * trace gets one at its enqueue, which its later deliveries share. Nothing is built while telemetry is off.
 */
export class BrokerTracing {
  readonly #telemetry: Telemetry | undefined;
  /** The enqueue span of each record sent while recording: its later spans go under it. */
  readonly #enqueued = new WeakMap<MessageRecord, string>();
  /** Lock token → the delivery attempt's span, from receive to settlement. */
  readonly #deliveries = new Map<string, TelemetrySpan>();

  constructor(telemetry: Telemetry | undefined) {
    this.#telemetry = telemetry;
  }

  get recording(): boolean {
    return this.#telemetry?.recording === true;
  }

  /** A send was committed: one enqueue span per message, listing the entities that got a copy. */
  sent(targetPath: string, records: readonly MessageRecord[]): void {
    const telemetry = this.#telemetry;
    if (!telemetry?.recording) return;
    const bySequence = new Map<number, MessageRecord[]>();
    for (const record of records)
      bySequence.set(record.sequenceNumber, [...(bySequence.get(record.sequenceNumber) ?? []), record]);
    for (const copies of bySequence.values()) {
      const first = copies[0]!;
      const context = messageTraceContext(first.properties.applicationProperties);
      const span = telemetry.startSpan('servicebus', `enqueue ${targetPath}`, {
        kind: 'server',
        parent: context?.traceParent,
        traceState: context?.traceState,
        attributes: {
          ...SYSTEM,
          'messaging.operation.type': 'send',
          'messaging.destination.name': targetPath,
          'messaging.message.id': first.messageId,
          'servicebus.sequence_number': first.sequenceNumber,
          'servicebus.entities': copies.map((c) => c.entity.path),
          ...(first.properties.scheduledEnqueueTimeUtc === undefined
            ? {}
            : { 'servicebus.scheduled_enqueue_time': new Date(first.enqueuedAt).toISOString() }),
        },
      });
      span.end();
      for (const copy of copies) this.#enqueued.set(copy, span.traceParent);
    }
  }

  /** A delivery attempt starts: the message is locked for a receiver. */
  locked(record: MessageRecord): void {
    const telemetry = this.#telemetry;
    if (!telemetry?.recording || !record.lock) return;
    const span = telemetry.startSpan('servicebus', `deliver ${record.entity.path}`, {
      kind: 'server',
      ...this.#parent(record),
      attributes: {
        ...SYSTEM,
        'messaging.operation.type': 'receive',
        'messaging.destination.name': record.entity.path,
        'messaging.message.id': record.messageId,
        'messaging.message.delivery_count': record.deliveryCount,
        'servicebus.sequence_number': record.sequenceNumber,
        'servicebus.locked_until': new Date(record.lock.until).toISOString(),
      },
    });
    span.event('locked', { 'messaging.message.delivery_count': record.deliveryCount });
    this.#deliveries.set(record.lock.token, span);
  }

  /** `to` (a resubmitted copy) belongs to the trace of `from`. */
  carry(from: MessageRecord, to: MessageRecord): void {
    const enqueued = this.#enqueued.get(from);
    if (enqueued) this.#enqueued.set(to, enqueued);
  }

  /** The delivery attempt's span, for the handler that runs under it (the trigger's invocation). */
  deliveryOf(lockToken: string): TelemetrySpan | undefined {
    return this.#deliveries.get(lockToken);
  }

  /** The delivery attempt ends; anything but completion or deferral marks it failed. */
  settled(record: MessageRecord, outcome: Settlement, reason?: string): void {
    const token = record.lock?.token;
    const span = token === undefined ? undefined : this.#deliveries.get(token);
    if (!span) return;
    this.#deliveries.delete(token!);
    span.event(outcome, reason ? { 'servicebus.dead_letter_reason': reason } : {});
    span.set({ 'servicebus.settlement': outcome });
    if (outcome !== 'completed' && outcome !== 'deferred')
      span.fail(`The message was ${outcome}${reason ? `: ${reason}` : ''}.`);
    span.end();
  }

  /** The message moved to its entity's dead-letter queue (delivery count spent, expiry, or asked for). */
  deadLettered(record: MessageRecord, from: string, reason: string | undefined, description: string | undefined): void {
    this.#instant(record, `dead-letter ${from}`, {
      'messaging.destination.name': `${from}/$DeadLetterQueue`,
      'servicebus.dead_letter_reason': reason,
      'servicebus.dead_letter_description': description,
      'messaging.message.delivery_count': record.deliveryCount,
    });
  }

  /** The message's time to live ran out and it was dropped. */
  expired(record: MessageRecord): void {
    this.#instant(record, `expire ${record.entity.path}`, { 'messaging.destination.name': record.entity.path });
  }

  /** A receive-and-delete delivery: the message left the entity as it was handed out. */
  received(record: MessageRecord): void {
    this.#instant(record, `receive ${record.entity.path}`, {
      'messaging.destination.name': record.entity.path,
      'messaging.message.delivery_count': record.deliveryCount,
      'servicebus.receive_mode': 'receiveAndDelete',
    });
  }

  /** An operator's action on a message (resubmit, purge) from the inspector. */
  action(record: MessageRecord, name: string, attributes: Record<string, string | number | undefined>): void {
    this.#instant(record, name, attributes);
  }

  /** The broker closes: delivery attempts still open end as they are. */
  close(): void {
    for (const span of this.#deliveries.values()) span.end();
    this.#deliveries.clear();
  }

  #instant(record: MessageRecord, name: string, attributes: Record<string, string | number | undefined>): void {
    const telemetry = this.#telemetry;
    if (!telemetry?.recording) return;
    const span = telemetry.startSpan('servicebus', name, {
      ...this.#parent(record),
      attributes: {
        ...SYSTEM,
        'messaging.message.id': record.messageId,
        'servicebus.sequence_number': record.sequenceNumber,
        ...attributes,
      },
    });
    span.end();
  }

  /** Under the record's enqueue span if it was recorded, else under the trace the message carries. */
  #parent(record: MessageRecord): { parent?: string; traceState?: string } {
    const enqueued = this.#enqueued.get(record);
    if (enqueued) return { parent: enqueued };
    const context = messageTraceContext(record.properties.applicationProperties);
    return context ? { parent: context.traceParent, traceState: context.traceState } : {};
  }
}
