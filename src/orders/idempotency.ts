import { createHash } from 'node:crypto';
import type { CreateOrderInput } from './schema.js';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

export type IdempotencyKey = { ok: true; key: string | undefined } | { ok: false; message: string };

/** The optional `Idempotency-Key` header: 1-255 visible ASCII characters. */
export function readIdempotencyKey(headers: Headers): IdempotencyKey {
  const key = headers.get(IDEMPOTENCY_KEY_HEADER);
  if (key === null) return { ok: true, key: undefined };
  if (!KEY_PATTERN.test(key)) {
    return { ok: false, message: 'Idempotency-Key must be 1 to 255 visible ASCII characters.' };
  }
  return { ok: true, key };
}

/** A fingerprint of what was asked for, independent of JSON formatting and key order. */
export function requestFingerprint(input: CreateOrderInput): string {
  const canonical = JSON.stringify({
    items: input.items.map(({ sku, quantity }) => [sku, quantity]),
    note: input.note ?? null,
  });
  return createHash('sha256').update(canonical).digest('hex');
}
