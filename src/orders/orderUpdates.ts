import { ConcurrencyError, type OrderStore } from './orderStore.js';
import { applyStatusChange, type Order, type StatusChange } from './order.js';

const MAX_ATTEMPTS = 5;

/**
 * Read-decide-write with optimistic concurrency: `decide` sees the current order and returns a change, or
 * nothing when there is nothing to do (a final status stays final). On an ETag conflict the order is read
 * again and `decide` asked again. Returns the order as stored afterwards, or undefined if there is none.
 */
export async function updateOrderStatus(
  store: OrderStore,
  ref: { userId: string; orderId: string },
  decide: (order: Order) => StatusChange | undefined,
): Promise<Order | undefined> {
  for (let attempt = 1; ; attempt++) {
    const stored = await store.get(ref.userId, ref.orderId);
    if (!stored) return undefined;
    const change = decide(stored.order);
    if (!change) return stored.order;
    const updated = applyStatusChange(stored.order, change, new Date());
    try {
      await store.replace(updated, stored.etag);
      return updated;
    } catch (error) {
      if (!(error instanceof ConcurrencyError) || attempt >= MAX_ATTEMPTS) throw error;
    }
  }
}
