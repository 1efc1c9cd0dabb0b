// Bench child: the app's own table work for one order, in closed loop against a table service, from its own
// process: OrderStore.create (createEntity) as POST /api/orders does, then updateOrderStatus from the order as
// accepted (updateEntity Replace with the ETag create returned, no read) as the order processor does with the
// message createOrder sent. Figure 2's storage ceiling.
import { randomUUID } from 'node:crypto';
import { newOrder, type OrderItem } from '../../src/orders/order.js';
import { updateOrderStatus } from '../../src/orders/orderUpdates.js';
import { priceOrder } from '../../src/orders/pricing.js';
import { OrderStore } from '../../src/orders/orderStore.js';
import { tableClientFromSettings } from '../../src/platform/tableStorage.js';
import { ORDER_BODY } from '../lib/appClient.js';
import { runClosedLoop, type LoadResult } from '../lib/load.js';
import { serveRpc } from '../lib/rpc.js';

const USER_ID = 'bench-user';
const { items } = JSON.parse(ORDER_BODY) as { items: OrderItem[] };

let store: OrderStore | undefined;

async function placeAndProcess(): Promise<void> {
  const order = newOrder({ orderId: randomUUID(), userId: USER_ID, items, now: new Date() });
  const created = await store!.create(order);
  if (!created.created || created.etag === undefined) throw new Error(`order ${order.orderId}: no ETag from create`);
  const processed = await updateOrderStatus(store!, order, (current) => priceOrder(current.items), {
    order,
    etag: created.etag,
  });
  if (!processed) throw new Error(`order ${order.orderId} vanished between create and update`);
}

export const tableLoadApi = {
  /** A table client for `connectionString` as the app makes it, and the `orders` table. */
  async connect(options: { connectionString: string }): Promise<void> {
    const table = await tableClientFromSettings({ OrdersStorage: options.connectionString });
    await table.createTable();
    store = new OrderStore(table);
  },
  /**
   * `loops` orders' table work at a time, for `durationMs` (no warm-up: call it once before to warm up), and
   * the CPU this process (the SDK side) used meanwhile.
   */
  async orders(options: { loops: number; durationMs: number }): Promise<LoadResult & { cpuMs: number }> {
    const before = process.cpuUsage();
    const result = await runClosedLoop({ ...options, warmupMs: 0, operation: placeAndProcess });
    const { user, system } = process.cpuUsage(before);
    return { ...result, cpuMs: (user + system) / 1000 };
  },
};
export type TableLoadApi = typeof tableLoadApi;

serveRpc(tableLoadApi);
