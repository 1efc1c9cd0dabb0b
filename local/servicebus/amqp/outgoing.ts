import type { Delivery, Sender } from 'rhea';
import type { ReceiveMode } from '../broker.js';
import { lockTokenFromTag, lockTokenTag, toAmqp } from './codec.js';
import type { ConnectionContext, LinkHandler } from './context.js';
import { applyDisposition, dispositionOfOutcome } from './dispositions.js';
import { toAmqpError } from './errors.js';
import { forgetSettled, outcome, sendRoom } from './rheaInternals.js';

/** Answers the client's disposition with the settled outcome Service Bus sends: accepted, or the error. */
function echo(delivery: Delivery, error?: unknown): void {
  if (error === undefined) delivery.update(true, outcome());
  else {
    const { condition, description } = toAmqpError(error);
    delivery.update(true, outcome({ condition, description }));
  }
  forgetSettled(delivery);
}

/**
 * A client's receiver link on a queue, subscription or dead-letter queue. Messages go out as credit allows
 * (the lock starts then), tagged with their lock token; in receive-and-delete mode pre-settled. A drain request
 * is answered at once with what is there. Dispositions settle through the broker, then are echoed.
 */
export function outgoingMessages(
  ctx: ConnectionContext,
  sender: Sender,
  entityPath: string,
  mode: ReceiveMode,
): LinkHandler {
  const { broker } = ctx;
  const pump = () => {
    const room = sender.is_open() ? sendRoom(sender) : 0;
    if (room === 0) return;
    const messages = mode === 'peekLock' ? broker.receive(entityPath, room) : broker.receiveAndDelete(entityPath, room);
    for (const message of messages) {
      const tag = mode === 'peekLock' ? lockTokenTag(message.lockToken) : undefined;
      sender.send(toAmqp(message, 'delivery'), tag, 0);
    }
  };
  // Settled deliveries leave rhea's buffer when it next writes; a full buffer may have held sends back.
  let repump: NodeJS.Immediate | undefined;
  const pumpSoon = () => {
    repump ??= setImmediate(() => {
      repump = undefined;
      pump();
    });
  };
  const settled = (delivery: Delivery, error?: unknown) => {
    echo(delivery, error);
    pumpSoon();
  };
  const unsubscribe = broker.onMessagesAvailable(entityPath, pump);
  return {
    flow(_sender, draining) {
      pump();
      // Nothing more to send: give the credit back now, as Service Bus does, so the client's receive returns.
      if (draining) sender.set_drained(true);
    },
    settle(delivery) {
      if (mode !== 'peekLock' || delivery.settled) return;
      try {
        const token = lockTokenFromTag(delivery.tag);
        const disposition = dispositionOfOutcome(delivery.remote_state);
        applyDisposition(broker, entityPath, token, disposition).then(
          () => settled(delivery),
          (error: unknown) => settled(delivery, error),
        );
      } catch (error) {
        settled(delivery, error);
      }
    },
    closed() {
      unsubscribe();
      if (repump) clearImmediate(repump);
    },
  };
}
