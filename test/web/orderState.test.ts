import { describe, expect, it } from 'vitest';
import { OrderState, type OrderView } from '../../web/src/orderState.js';

const order = (version: number, extra: Partial<OrderView> = {}): OrderView => ({
  orderId: 'o1',
  status: version === 1 ? 'Accepted' : 'Completed',
  version,
  updatedAt: `2026-01-01T00:00:0${version}Z`,
  ...extra,
});

describe('the page’s order state', () => {
  it('drops updates older than what it has', () => {
    const state = new OrderState();
    expect(state.apply(order(2, { total: 5 }))).toBe(true);
    expect(state.apply(order(1))).toBe(false);
    expect(state.get('o1')).toMatchObject({ status: 'Completed', version: 2, total: 5 });
  });

  it('lets a resync fill in fields of the same version without undoing it', () => {
    const state = new OrderState();
    state.apply(order(2, { total: 5 }));
    expect(state.apply(order(2, { total: 5, items: [{ sku: 'MUG-CERAMIC', quantity: 1 }] }))).toBe(true);
    expect(state.apply(order(2, { total: 5 }))).toBe(false);
    expect(state.get('o1')?.items).toEqual([{ sku: 'MUG-CERAMIC', quantity: 1 }]);
  });

  it('lists newest first and resyncs a whole list', () => {
    const state = new OrderState();
    state.resync([
      { ...order(1), orderId: 'a', createdAt: '2026-01-01T00:00:00Z' },
      { ...order(1), orderId: 'b', createdAt: '2026-01-02T00:00:00Z' },
    ]);
    expect(state.list().map((o) => o.orderId)).toEqual(['b', 'a']);
  });
});
