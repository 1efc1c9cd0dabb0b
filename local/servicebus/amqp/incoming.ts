import type { Delivery, EventContext, Message } from 'rhea';
import { maxMessageBytes, type SendMessage } from '../message.js';
import { ServiceBusError } from '../errors.js';
import { fromAmqp, fromBatch } from './codec.js';
import type { ConnectionContext, LinkHandler } from './context.js';
import { toAmqpError } from './errors.js';
import { outcome } from './rheaInternals.js';

/** Service Bus's batch format: the body's data sections are whole encoded messages. */
export const BATCH_FORMAT = 0x80013700;

function messagesOf(context: EventContext): SendMessage[] {
  const format = (context as EventContext & { format?: number }).format ?? 0;
  if (format === 0) return [fromAmqp(context.message as Message, 'message')];
  if (format !== BATCH_FORMAT) throw new TypeError(`Message format ${format} is not supported.`);
  const envelope = context.message as unknown as Buffer;
  if (envelope.length > maxMessageBytes) {
    throw new ServiceBusError(
      'MessageSizeExceeded',
      `The batch is ${envelope.length} bytes; the maximum message size is ${maxMessageBytes} bytes.`,
    );
  }
  return fromBatch(envelope);
}

function settle(delivery: Delivery, error?: unknown): void {
  if (error === undefined) {
    delivery.update(true, outcome());
    return;
  }
  const { condition, description } = toAmqpError(error);
  delivery.update(true, outcome({ condition, description }));
}

/**
 * A client's sender link to a queue or topic. Each transfer (one message or a batch) is accepted only once the
 * broker has it on disk, so an accepted send survives a crash; a failure rejects it with Service Bus's condition.
 */
export function incomingMessages(ctx: ConnectionContext, entityPath: string): LinkHandler {
  return {
    message(context) {
      const delivery = context.delivery!;
      let messages: SendMessage[];
      try {
        messages = messagesOf(context);
      } catch (error) {
        settle(delivery, error);
        return;
      }
      ctx.broker.send(entityPath, messages).then(
        () => settle(delivery),
        (error: unknown) => settle(delivery, error),
      );
    },
  };
}
