import { randomFillSync } from 'node:crypto';

// Each `randomBytes` call is a crypto job of its own (~5% of a trivial invocation's CPU); ids come from a pool
// filled 4 KiB at a time instead.
const pool = Buffer.alloc(4096);
let offset = pool.length;

function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  offset += bytes;
  return pool.toString('hex', offset - bytes, offset);
}

/** A fresh W3C traceparent (version 00, sampled), as the host puts on every invocation. */
export function newTraceParent(): string {
  return `00-${randomHex(16)}-${randomHex(8)}-01`;
}
