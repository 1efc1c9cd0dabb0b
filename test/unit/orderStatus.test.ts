import { describe, expect, it } from 'vitest';
import { applyStatusChange, newOrder, orderView } from '../../src/orders/order.js';
import { orderStatusMessage, userGroup } from '../../src/orders/notifications.js';
import { canTransition, isFinal, ORDER_STATUSES } from '../../src/orders/status.js';

const created = new Date('2026-01-01T10:00:00.000Z');
const later = new Date('2026-01-01T10:00:05.000Z');
const accepted = newOrder({
  orderId: '11111111-1111-4111-8111-111111111111',
  userId: 'u1',
  items: [{ sku: 'MUG-CERAMIC', quantity: 1 }],
  now: created,
});

describe('status rules', () => {
  it('lets Accepted end in Completed, Rejected or Failed, and nothing leave a final status', () => {
    expect(isFinal('Accepted')).toBe(false);
    for (const to of ['Completed', 'Rejected', 'Failed'] as const) {
      expect(canTransition('Accepted', to)).toBe(true);
      expect(isFinal(to)).toBe(true);
      for (const next of ORDER_STATUSES) expect(canTransition(to, next)).toBe(false);
    }
    expect(canTransition('Accepted', 'Accepted')).toBe(false);
  });
});

describe('applyStatusChange', () => {
  it('starts at version 1 and bumps the version and updatedAt with each change', () => {
    expect(accepted).toMatchObject({ status: 'Accepted', version: 1, updatedAt: created.toISOString() });
    const done = applyStatusChange(accepted, { status: 'Completed', totalCents: 950 }, later);
    expect(done).toMatchObject({ status: 'Completed', version: 2, totalCents: 950, updatedAt: later.toISOString() });
    expect(done.createdAt).toBe(created.toISOString());
  });

  it('refuses a change the rules forbid', () => {
    const done = applyStatusChange(accepted, { status: 'Rejected', reason: 'r' }, later);
    expect(() => applyStatusChange(done, { status: 'Failed', reason: 'x' }, later)).toThrow(/cannot go from Rejected/);
  });
});

describe('what clients see', () => {
  it('shows totals in currency units and leaves out what is not there', () => {
    const done = applyStatusChange(accepted, { status: 'Completed', totalCents: 4390 }, later);
    expect(orderView(done)).toEqual({
      orderId: accepted.orderId,
      status: 'Completed',
      version: 2,
      items: accepted.items,
      total: 43.9,
      createdAt: created.toISOString(),
      updatedAt: later.toISOString(),
    });
    expect(orderView(accepted)).not.toHaveProperty('total');
  });

  it('sends orderStatus to the owner group with the ARCHITECTURE payload', () => {
    const rejected = applyStatusChange(accepted, { status: 'Rejected', reason: 'Unknown SKU X' }, later);
    expect(orderStatusMessage(rejected)).toEqual({
      target: 'orderStatus',
      groupName: 'user-u1',
      arguments: [
        {
          orderId: accepted.orderId,
          status: 'Rejected',
          version: 2,
          updatedAt: later.toISOString(),
          reason: 'Unknown SKU X',
        },
      ],
    });
    expect(userGroup('abc')).toBe('user-abc');
  });
});
