import { toAmount } from './catalog.js';
import { canTransition, type OrderStatus } from './status.js';

export type OrderItem = { sku: string; quantity: number };

export type Order = {
  orderId: string;
  userId: string;
  status: OrderStatus;
  /** Starts at 1 and grows by one with every status change, so clients can drop stale updates. */
  version: number;
  items: OrderItem[];
  note?: string;
  totalCents?: number;
  reason?: string;
  createdAt: string;
  updatedAt: string;
};

/** The order as the API shows it to its owner. */
export type OrderView = {
  orderId: string;
  status: OrderStatus;
  version: number;
  items: OrderItem[];
  note?: string;
  total?: number;
  reason?: string;
  createdAt: string;
  updatedAt: string;
};

export function newOrder(init: {
  orderId: string;
  userId: string;
  items: OrderItem[];
  note?: string;
  now: Date;
}): Order {
  const at = init.now.toISOString();
  return {
    orderId: init.orderId,
    userId: init.userId,
    status: 'Accepted',
    version: 1,
    items: init.items,
    ...(init.note === undefined ? {} : { note: init.note }),
    createdAt: at,
    updatedAt: at,
  };
}

export type StatusChange =
  { status: 'Completed'; totalCents: number } | { status: 'Rejected' | 'Failed'; reason: string };

/** The order after a status change; throws if the status rules forbid it. */
export function applyStatusChange(order: Order, change: StatusChange, now: Date): Order {
  if (!canTransition(order.status, change.status)) {
    throw new Error(`Order ${order.orderId} cannot go from ${order.status} to ${change.status}.`);
  }
  return { ...order, ...change, version: order.version + 1, updatedAt: now.toISOString() };
}

export function orderView(order: Order): OrderView {
  return {
    orderId: order.orderId,
    status: order.status,
    version: order.version,
    items: order.items,
    ...(order.note === undefined ? {} : { note: order.note }),
    ...(order.totalCents === undefined ? {} : { total: toAmount(order.totalCents) }),
    ...(order.reason === undefined ? {} : { reason: order.reason }),
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}
