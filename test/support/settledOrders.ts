import { FINAL_STATUSES, pollUntil, type OrdersClient, type OrderView } from './stack.js';

/**
 * Polls the clients' order lists until every one of `orderIds` has a final status, and returns the last lists
 * by order id. When `timeoutMs` passes first it fails saying how many orders were missing or still Accepted.
 */
export async function untilAllSettled(
  clients: readonly OrdersClient[],
  orderIds: readonly string[],
  timeoutMs: number,
): Promise<Map<string, OrderView>> {
  let latest = new Map<string, OrderView>();
  return pollUntil(
    async () => {
      const lists = await Promise.all(clients.map((client) => client.list()));
      latest = new Map(lists.flat().map((order) => [order.orderId, order]));
      const settled = orderIds.every((orderId) => FINAL_STATUSES.includes(latest.get(orderId)?.status ?? ''));
      return settled ? latest : undefined;
    },
    { timeoutMs, what: `all ${orderIds.length} accepted orders to settle` },
  ).catch((error: Error) => {
    const missing = orderIds.filter((orderId) => !latest.has(orderId)).length;
    const stuck = orderIds.filter((orderId) => latest.get(orderId)?.status === 'Accepted').length;
    throw new Error(`${error.message} Missing: ${missing}, still Accepted: ${stuck}.`);
  });
}
