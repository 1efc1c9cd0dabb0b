import { z } from 'zod';
import type { Order, OrderItem } from './order.js';

/** What createOrder puts on topic `orders`. The stored order stays the source of truth; this names it. */
export type OrderMessage = {
  orderId: string;
  userId: string;
  items: OrderItem[];
  createdAt: string;
};

const orderRefSchema = z.object({
  orderId: z.uuid(),
  userId: z.string().min(1),
});

const orderMessageSchema = orderRefSchema.extend({
  items: z.array(z.object({ sku: z.string(), quantity: z.number().int() })).min(1),
  createdAt: z.iso.datetime(),
});

export function orderMessage(order: Order): OrderMessage {
  return { orderId: order.orderId, userId: order.userId, items: order.items, createdAt: order.createdAt };
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
