import type { InvocationContext } from '@azure/functions';
import { getOrderStore } from './orderStore.js';
import { notifyOrderStatus } from './notifications.js';
import { orderRefOf } from './orderMessage.js';
import { updateOrderStatus } from './orderUpdates.js';
import { isFinal } from './status.js';

/**
 * Service Bus trigger on the dead-letter queue of `orders/order-processor`: an order whose message could not
 * be processed is marked Failed and its owner told. Messages that do not say which order they are about are
 * logged and let go; there is nobody to tell.
 */
export async function handleOrderDeadLetter(message: unknown, context: InvocationContext): Promise<void> {
  const ref = orderRefOf(message);
  if (!ref) {
    context.warn(`Dead-lettered message ${String(context.triggerMetadata?.messageId)} names no order; dropped.`);
    return;
  }
  const reason = failureReason(context.triggerMetadata?.applicationProperties);
  let changed = false;
  const order = await updateOrderStatus(await getOrderStore(), ref, (current) => {
    changed = !isFinal(current.status);
    return changed ? { status: 'Failed', reason } : undefined;
  });
  if (!order) {
    context.warn(`Dead-lettered message names order ${ref.orderId} of user ${ref.userId}, which does not exist.`);
    return;
  }
  context.log(`Order ${order.orderId} is ${order.status} after dead-lettering.`);
  // Dead letters are redelivered without limit, and a notification fails while SignalR is unreachable: re-sending
  // an unchanged status only a few times keeps an outage from becoming a hot loop. Clients resync on reconnect.
  const deliveryCount = Number(context.triggerMetadata?.deliveryCount ?? 1);
  if (changed || deliveryCount <= RESEND_UNCHANGED_STATUS_DELIVERIES) notifyOrderStatus(context, order);
  else context.warn(`Order ${order.orderId} status not re-sent on delivery ${deliveryCount}; clients resync.`);
}

const RESEND_UNCHANGED_STATUS_DELIVERIES = 3;

/** The broker's reason (`DeadLetterReason`, camelCased by the library) and description, when present. */
export function failureReason(applicationProperties: unknown): string {
  const props =
    typeof applicationProperties === 'object' && applicationProperties !== null ? applicationProperties : {};
  const { deadLetterReason, deadLetterErrorDescription } = props as Record<string, unknown>;
  const details = [deadLetterReason, deadLetterErrorDescription].filter(
    (part): part is string => typeof part === 'string' && part.length > 0,
  );
  return details.length > 0 ? `Processing failed: ${details.join(': ')}` : 'Processing failed';
}
