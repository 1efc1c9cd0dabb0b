import type { FieldError } from '../platform/problem.js';
import type { Order } from './order.js';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 200;

/** Where a page starts: just after the order with this creation time and id, in newest-first order. */
type Cursor = { createdAt: string; orderId: string };

export type PageRequest = { top: number; after: Cursor | undefined };

/** `?top=` (1-200, default 50) and `?after=` (the cursor a previous page's `next` link carries). */
export function parsePageRequest(
  query: URLSearchParams,
): { ok: true; value: PageRequest } | { ok: false; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const topText = query.get('top');
  const top = topText === null ? DEFAULT_PAGE_SIZE : Number(topText);
  if (!Number.isInteger(top) || top < 1 || top > MAX_PAGE_SIZE) {
    errors.push({ field: 'top', message: `must be a whole number from 1 to ${MAX_PAGE_SIZE}` });
  }
  const afterText = query.get('after');
  let after: Cursor | undefined;
  if (afterText !== null) {
    after = decodeCursor(afterText);
    if (!after) errors.push({ field: 'after', message: 'must be the cursor of a previous page' });
  }
  return errors.length > 0 ? { ok: false, errors } : { ok: true, value: { top, after } };
}

function decodeCursor(text: string): Cursor | undefined {
  try {
    const value = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as unknown;
    if (typeof value !== 'object' || value === null) return undefined;
    const { c, id } = value as Record<string, unknown>;
    return typeof c === 'string' && typeof id === 'string' ? { createdAt: c, orderId: id } : undefined;
  } catch {
    return undefined;
  }
}

function encodeCursor(order: Order): string {
  return Buffer.from(JSON.stringify({ c: order.createdAt, id: order.orderId })).toString('base64url');
}

const newerFirst = (a: Order, b: Order): number =>
  b.createdAt.localeCompare(a.createdAt) || b.orderId.localeCompare(a.orderId);

/** One page of orders, newest first, and the cursor of the next page when there is more. */
export function pageOf(orders: Order[], request: PageRequest): { page: Order[]; next: string | undefined } {
  const sorted = [...orders].sort(newerFirst);
  const { after } = request;
  const start = after
    ? sorted.findIndex((o) => newerFirst(o, { ...o, createdAt: after.createdAt, orderId: after.orderId }) > 0)
    : 0;
  const from = start < 0 ? sorted.length : start;
  const page = sorted.slice(from, from + request.top);
  const last = page[page.length - 1];
  return { page, next: from + request.top < sorted.length && last ? encodeCursor(last) : undefined };
}
