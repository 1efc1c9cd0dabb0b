import * as z from 'zod';
import type { FieldError } from '../platform/problem.js';
import type { OrderItem } from './order.js';

export const MAX_ITEMS = 50;
export const MAX_QUANTITY = 1000;
export const MAX_NOTE_LENGTH = 500;

const required = (otherwise: string) => (issue: { input: unknown }) =>
  issue.input === undefined ? 'is required' : otherwise;

const orderItemSchema = z.strictObject(
  {
    sku: z
      .string({ error: required('must be a string') })
      .regex(/^[A-Z0-9-]{1,32}$/, { error: 'must be 1 to 32 characters of A-Z, 0-9 and -' }),
    quantity: z
      .number({ error: required('must be a number') })
      .int({ error: 'must be a whole number' })
      .min(1, { error: `must be from 1 to ${MAX_QUANTITY}` })
      .max(MAX_QUANTITY, { error: `must be from 1 to ${MAX_QUANTITY}` }),
  },
  { error: 'must be an object with sku and quantity' },
);

const createOrderSchema = z.strictObject(
  {
    items: z
      .array(orderItemSchema, { error: required('must be an array') })
      .min(1, { error: `must contain 1 to ${MAX_ITEMS} items` })
      .max(MAX_ITEMS, { error: `must contain 1 to ${MAX_ITEMS} items` }),
    note: z
      .string({ error: 'must be a string' })
      .max(MAX_NOTE_LENGTH, { error: `must be at most ${MAX_NOTE_LENGTH} characters` })
      .optional(),
  },
  { error: 'must be a JSON object' },
);

export type CreateOrderInput = { items: OrderItem[]; note?: string };

export type ParseResult<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };

/** Validates a create-order body, reporting every invalid or unknown field rather than the first. */
export function parseCreateOrder(body: unknown): ParseResult<CreateOrderInput> {
  const result = createOrderSchema.safeParse(body);
  if (result.success) {
    const { items, note } = result.data;
    return { ok: true, value: note === undefined ? { items } : { items, note } };
  }
  return { ok: false, errors: result.error.issues.flatMap(toFieldErrors) };
}

function toFieldErrors(issue: z.core.$ZodIssue): FieldError[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({ field: fieldPath([...issue.path, key]), message: 'is not an allowed field' }));
  }
  return [{ field: fieldPath(issue.path), message: issue.message }];
}

/** `['items', 0, 'sku']` → `items[0].sku`; the body itself is `(body)`. */
export function fieldPath(path: readonly PropertyKey[]): string {
  let text = '';
  for (const part of path) {
    text += typeof part === 'number' ? `[${part}]` : `${text ? '.' : ''}${String(part)}`;
  }
  return text || '(body)';
}
