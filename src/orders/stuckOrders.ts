import type { InvocationContext, Timer } from '@azure/functions';
import { orderTopicOutput } from '../platform/bindings.js';
import { getOrderStore } from './orderStore.js';
import { findAcceptedBefore } from './stuckOrderQuery.js';

/** An order still Accepted this long after it was accepted has lost its message (a send that failed). */
export const STUCK_AFTER_MS = 2 * 60_000;
/** At most this many re-sends per run, so one sweep stays short; the next run takes the rest. */
export const MAX_RESENDS_PER_SWEEP = 500;

/**
 * The time this run stands for: the occurrence it was due at (`scheduleStatus.next`, which the host keeps in
 * storage), or now when the host keeps no status. A run that was late counts from when it was due, so it never
 * calls an order stuck earlier than the schedule would have.
 */
export function sweepTime(timer: Timer, now: Date): Date {
  const due = timer.scheduleStatus ? Date.parse(timer.scheduleStatus.next) : NaN;
  return Number.isNaN(due) ? now : new Date(due);
}

/**
 * Timer: orders still `Accepted` well after they were accepted get their message sent again through the Service
 * Bus output, so no accepted order waits forever after a send failed once its row was written. processOrder is
 * idempotent, so a message sent twice changes nothing.
 */
export async function handleStuckOrderSweep(timer: Timer, context: InvocationContext): Promise<void> {
  const cutoff = new Date(sweepTime(timer, new Date()).getTime() - STUCK_AFTER_MS);
  const store = await getOrderStore();
  const stuck = await findAcceptedBefore(store.table, cutoff.toISOString(), MAX_RESENDS_PER_SWEEP);
  if (stuck.length === 0) return;
  context.extraOutputs.set(orderTopicOutput, stuck);
  context.warn(
    `Re-sent ${stuck.length} order(s) still Accepted since before ${cutoff.toISOString()}: ${stuck.map((o) => o.orderId).join(', ')}.`,
  );
}
