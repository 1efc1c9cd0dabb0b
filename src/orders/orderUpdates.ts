import { ConcurrencyError, type OrderStore, type StoredOrder } from './orderStore.js';
import { applyStatusChange, type Order, type StatusChange } from './order.js';

const MAX_ATTEMPTS = 5;

/**
 * Read-decide-write with optimistic concurrency: `decide` sees the current order and returns a change, or
 * nothing when there is nothing to do (a final status stays final). On an ETag conflict the order is read
 * again and `decide` asked again. Returns the order as stored afterwards, or undefined if there is none.
 * `assumed` is the order as the caller last knew it with its ETag: the first attempt writes from it without a
 * read, and the ETag refuses that write if the row has changed since.
 */
export async function updateOrderStatus(
  store: OrderStore,
  ref: { userId: string; orderId: string },
  decide: (order: Order) => StatusChange | undefined,
  assumed?: StoredOrder,
): Promise<Order | undefined> {
  for (let attempt = 1; ; attempt++) {
    const fromAssumed = attempt === 1 && assumed !== undefined;
    const stored = fromAssumed ? assumed : await store.get(ref.userId, ref.orderId);
    if (!stored) return undefined;
    const change = decide(stored.order);
    // Nothing to write proves nothing about the row: what is stored is read, not assumed.
    if (!change && fromAssumed) continue;
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
