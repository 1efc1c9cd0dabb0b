import { describe, expect, it } from 'vitest';
import { failureReason } from '../../src/orders/deadLetters.js';
import { applyStatusChange, newOrder } from '../../src/orders/order.js';
import {
  acceptedOrderOf,
  MalformedOrderMessageError,
  orderMessage,
  orderRefOf,
  parseOrderMessage,
} from '../../src/orders/orderMessage.js';

const order = newOrder({
  orderId: '22222222-2222-4222-8222-222222222222',
  userId: 'u2',
  items: [{ sku: 'MUG-CERAMIC', quantity: 2 }],
  note: 'private',
  now: new Date('2026-02-01T00:00:00.000Z'),
});

describe('order message', () => {
  it('names the order and its owner, and round-trips', () => {
    const message = orderMessage(order);
    expect(message).toEqual({
      orderId: order.orderId,
      userId: 'u2',
      items: order.items,
      note: 'private',
      createdAt: '2026-02-01T00:00:00.000Z',
    });
    expect(parseOrderMessage(JSON.parse(JSON.stringify(message)))).toEqual(message);
    expect(acceptedOrderOf(message)).toBeUndefined();
  });

  it('carries the ETag of an order as accepted, and gives back exactly that order', () => {
    const message = parseOrderMessage(JSON.parse(JSON.stringify(orderMessage(order, 'W/"etag-1"'))));
    expect(message.etag).toBe('W/"etag-1"');
    expect(acceptedOrderOf(message)).toEqual({ order, etag: 'W/"etag-1"' });
  });

  it('leaves the ETag out once the order has moved on, so the processor reads it', () => {
    const completed = applyStatusChange(order, { status: 'Completed', totalCents: 100 }, new Date());
    expect(orderMessage(completed, 'W/"etag-2"').etag).toBeUndefined();
  });

  it.each([
    ['a string', 'hello'],
    ['a bad order id', { ...orderMessage(order), orderId: 'x' }],
    ['no items', { ...orderMessage(order), items: [] }],
    ['no user', { ...orderMessage(order), userId: '' }],
  ])('is malformed when it is %s', (_, body) => {
    expect(() => parseOrderMessage(body)).toThrow(MalformedOrderMessageError);
  });

  it('still names its order for the dead-letter handler when only the reference is intact', () => {
    expect(orderRefOf({ orderId: order.orderId, userId: 'u2', items: 'junk' })).toEqual({
      orderId: order.orderId,
      userId: 'u2',
    });
    expect(orderRefOf({ userId: 'u2' })).toBeUndefined();
    expect(orderRefOf(42)).toBeUndefined();
  });
});

describe('failureReason', () => {
  it('uses the camelCased broker reason and description when present', () => {
    expect(
      failureReason({ deadLetterReason: 'MaxDeliveryCountExceeded', deadLetterErrorDescription: 'Too many' }),
    ).toBe('Processing failed: MaxDeliveryCountExceeded: Too many');
    expect(failureReason({ deadLetterReason: 'TTLExpiredException' })).toBe('Processing failed: TTLExpiredException');
    expect(failureReason(undefined)).toBe('Processing failed');
    expect(failureReason({ deadLetterReason: 5 })).toBe('Processing failed');
  });
});
