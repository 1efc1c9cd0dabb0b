export const ORDER_STATUSES = ['Accepted', 'Completed', 'Rejected', 'Failed'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * An order is `Accepted` when stored and ends in exactly one final status: `Completed` or `Rejected` by
 * processing, `Failed` when its message was dead-lettered. Final statuses never change again, which is what
 * makes redelivered and duplicate messages harmless.
 */
const ALLOWED: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  Accepted: ['Completed', 'Rejected', 'Failed'],
  Completed: [],
  Rejected: [],
  Failed: [],
};

export function isFinal(status: OrderStatus): boolean {
  return ALLOWED[status].length === 0;
}

export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ALLOWED[from].includes(to);
}

export function isOrderStatus(value: unknown): value is OrderStatus {
  return typeof value === 'string' && (ORDER_STATUSES as readonly string[]).includes(value);
}
