import type { InvocationContext } from '@azure/functions';
import { getOrderStore } from './orderStore.js';
import { notifyOrderStatus } from './notifications.js';
import { acceptedOrderOf, parseOrderMessage } from './orderMessage.js';
import { updateOrderStatus } from './orderUpdates.js';
import { priceOrder } from './pricing.js';
import { isFinal } from './status.js';

/**
 * Service Bus trigger on `orders/order-processor`. Delivery is at-least-once: an order already decided is
 * left as it is and its status sent again, so duplicates never double-apply yet the user always hears.
 * Throwing (malformed message, missing order, storage trouble) abandons the message for redelivery and,
 * after MaxDeliveryCount, dead-lettering.
 */
export async function handleProcessOrder(message: unknown, context: InvocationContext): Promise<void> {
  const parsed = parseOrderMessage(message);
  const { orderId, userId } = parsed;
  const order = await updateOrderStatus(
    await getOrderStore(),
    { userId, orderId },
    (current) => (isFinal(current.status) ? undefined : priceOrder(current.items)),
    acceptedOrderOf(parsed),
  );
  if (!order) throw new Error(`Order ${orderId} of user ${userId} does not exist.`);
  context.log(`Order ${orderId} is ${order.status} (version ${order.version}, delivery ${deliveryCount(context)}).`);
  notifyOrderStatus(context, order);
}

function deliveryCount(context: InvocationContext): string {
  return String(context.triggerMetadata?.deliveryCount ?? '?');
}
