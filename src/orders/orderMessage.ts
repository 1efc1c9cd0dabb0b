import * as z from 'zod';
import { newOrder, type Order, type OrderItem } from './order.js';
import type { StoredOrder } from './orderStore.js';

/**
 * What createOrder puts on topic `orders`. The stored order stays the source of truth; this names it, and while
 * the order is as it was accepted, carries all of it with its row's ETag, so the processor can write its
 * decision without reading the row first (the ETag refuses that write if the row has changed since).
 */
export type OrderMessage = {
  orderId: string;
  userId: string;
  items: OrderItem[];
  note?: string;
  createdAt: string;
  /** The ETag of the order's row as accepted; absent when the sender did not know it. */
  etag?: string;
};

const orderRefSchema = z.object({
  orderId: z.uuid(),
  userId: z.string().min(1),
});

const orderMessageSchema = orderRefSchema.extend({
  items: z.array(z.object({ sku: z.string(), quantity: z.number().int() })).min(1),
  note: z.string().optional(),
  createdAt: z.iso.datetime(),
  etag: z.string().min(1).optional(),
});

/** The message for an order; `etag` only goes with an order still as accepted. */
export function orderMessage(order: Order, etag?: string): OrderMessage {
  return {
    orderId: order.orderId,
    userId: order.userId,
    items: order.items,
    ...(order.note === undefined ? {} : { note: order.note }),
    createdAt: order.createdAt,
    ...(etag === undefined || order.status !== 'Accepted' || order.version !== 1 ? {} : { etag }),
  };
}

/** The order as it was accepted, when the message carries its ETag: what newOrder made of the same fields. */
export function acceptedOrderOf(message: OrderMessage): StoredOrder | undefined {
  if (message.etag === undefined) return undefined;
  const order = newOrder({
    orderId: message.orderId,
    userId: message.userId,
    items: message.items,
    note: message.note,
    now: new Date(message.createdAt),
  });
  return { order, etag: message.etag };
}

export class MalformedOrderMessageError extends Error {
  override readonly name = 'MalformedOrderMessageError';
}

/** Reads a message off the topic; throws on anything malformed so the broker retries and dead-letters it. */
export function parseOrderMessage(body: unknown): OrderMessage {
  const result = orderMessageSchema.safeParse(body);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`).join('; ');
    throw new MalformedOrderMessageError(`Malformed order message: ${problems}`);
  }
  return result.data;
}

/** Which order a (possibly malformed) dead-lettered message is about, if it says. */
export function orderRefOf(body: unknown): { orderId: string; userId: string } | undefined {
  const result = orderRefSchema.safeParse(body);
  return result.success ? { orderId: result.data.orderId, userId: result.data.userId } : undefined;
}
