import { TableClient } from '@azure/data-tables';
import { beforeAll, describe, expect, it } from 'vitest';
import { newOrder, type Order } from '../../src/orders/order.js';
import { updateOrderStatus } from '../../src/orders/orderUpdates.js';
import { ConcurrencyError, OrderStore } from '../../src/orders/orderStore.js';
import { useAzurite } from '../support/azurite.js';

const azurite = useAzurite();
let store: OrderStore;

beforeAll(async () => {
  const table = TableClient.fromConnectionString(azurite().connectionString, 'storetest', {
    allowInsecureConnection: true,
  });
  await table.createTable();
  store = new OrderStore(table);
});

let counter = 0;
function order(userId: string): Order {
  counter++;
  const orderId = `00000000-0000-4000-8000-${String(counter).padStart(12, '0')}`;
  return newOrder({ orderId, userId, items: [{ sku: 'MUG-CERAMIC', quantity: 1 }], now: new Date() });
}

describe('OrderStore against Azurite', () => {
  it('round-trips an order and finds it only under its owner', async () => {
    const mine = { ...order('owner'), note: 'hi' };
    await store.create(mine);
    expect((await store.get('owner', mine.orderId))?.order).toEqual(mine);
    expect(await store.get('other', mine.orderId)).toBeUndefined();
    expect(await store.list('other')).toEqual([]);
  });

  it('writes an order and its idempotency record together or not at all', async () => {
    const first = order('idem');
    const second = order('idem');
    expect(await store.create(first, { key: 'k', requestHash: 'h1' })).toEqual({
      created: true,
      etag: expect.stringMatching(/.+/),
    });
    expect(await store.create(second, { key: 'k', requestHash: 'h2' })).toEqual({
      created: false,
      existing: { orderId: first.orderId, requestHash: 'h1' },
    });
    expect(await store.get('idem', second.orderId)).toBeUndefined();
    expect((await store.list('idem')).map((o) => o.orderId)).toEqual([first.orderId]);
  });

  it('refuses a replace based on a stale ETag', async () => {
    const original = order('etag');
    await store.create(original);
    const read = await store.get('etag', original.orderId);
    await store.replace({ ...original, status: 'Completed', version: 2 }, read!.etag);
    await expect(store.replace({ ...original, status: 'Failed', version: 2 }, read!.etag)).rejects.toBeInstanceOf(
      ConcurrencyError,
    );
    expect((await store.get('etag', original.orderId))?.order.status).toBe('Completed');
  });
});

describe('updateOrderStatus', () => {
  /** A store where another writer gets in between our read and our first write. */
  class ContendedStore extends OrderStore {
    #contended = false;
    override async replace(next: Order, etag: string): Promise<void> {
      if (!this.#contended) {
        this.#contended = true;
        const current = (await this.get(next.userId, next.orderId))!;
        const rival: Order = { ...current.order, status: 'Failed', version: 2, reason: 'rival' };
        await super.replace(rival, current.etag);
      }
      return super.replace(next, etag);
    }
  }

  it('re-reads after an ETag conflict and decides again on what it finds', async () => {
    const contended = new ContendedStore(store.table);
    const original = order('contended');
    await contended.create(original);
    const seen: string[] = [];
    const result = await updateOrderStatus(contended, original, (current) => {
      seen.push(current.status);
      return current.status === 'Accepted' ? { status: 'Completed', totalCents: 950 } : undefined;
    });
    expect(seen).toEqual(['Accepted', 'Failed']);
    expect(result).toMatchObject({ status: 'Failed', version: 2, reason: 'rival' });
    expect((await store.get('contended', original.orderId))?.order).toMatchObject({ status: 'Failed', version: 2 });
  });

  /** Counts reads, to tell a write from an assumed order from one after a read. */
  class CountingStore extends OrderStore {
    reads = 0;
    override async get(userId: string, orderId: string) {
      this.reads++;
      return super.get(userId, orderId);
    }
  }
  const complete = (current: Order) =>
    current.status === 'Accepted' ? ({ status: 'Completed', totalCents: 950 } as const) : undefined;

  it('writes from the order as accepted and the ETag create returned, without a read', async () => {
    const counting = new CountingStore(store.table);
    for (const idempotency of [undefined, { key: 'assumed', requestHash: 'h' }]) {
      const original = order('assumed');
      const created = await counting.create(original, idempotency);
      if (!created.created) throw new Error('expected a new order');
      const result = await updateOrderStatus(counting, original, complete, { order: original, etag: created.etag! });
      expect(result).toMatchObject({ status: 'Completed', version: 2 });
      expect((await store.get('assumed', original.orderId))?.order).toEqual(result);
    }
    expect(counting.reads).toBe(0);
  });

  it('reads and decides again when the assumed order is stale (a second delivery), changing nothing', async () => {
    const counting = new CountingStore(store.table);
    const original = order('stale');
    const created = await counting.create(original);
    const assumed = { order: original, etag: (created as { etag: string }).etag };
    const first = await updateOrderStatus(counting, original, complete, assumed);
    const again = await updateOrderStatus(counting, original, complete, assumed);
    expect(again).toEqual(first);
    expect(counting.reads).toBe(1);
    expect((await store.get('stale', original.orderId))?.order.version).toBe(2);
  });

  it('finds no order when the assumed row is gone', async () => {
    const original = order('gone');
    const created = await store.create(original);
    await store.table.deleteEntity('gone', `order_${original.orderId}`);
    const assumed = { order: original, etag: (created as { etag: string }).etag };
    expect(await updateOrderStatus(store, original, complete, assumed)).toBeUndefined();
  });

  it('returns undefined for an order that does not exist', async () => {
    expect(await updateOrderStatus(store, order('nobody'), () => ({ status: 'Failed', reason: 'x' }))).toBeUndefined();
  });
});
