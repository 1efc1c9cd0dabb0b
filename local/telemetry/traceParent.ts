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

/** A W3C trace context's parent: the trace, the span that is the parent, and whether it was sampled. */
export type ParsedTraceParent = { traceId: string; spanId: string; sampled: boolean };

const TRACE_PARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/;

/**
 * A `traceparent` value (W3C Trace Context level 1) taken apart, or undefined when it is not one: version ff and
 * all-zero ids are invalid, and a version 00 value must have exactly four fields.
 */
export function parseTraceParent(value: unknown): ParsedTraceParent | undefined {
  if (typeof value !== 'string' || value.length > 512) return undefined;
  const match = TRACE_PARENT.exec(value.trim());
  if (!match) return undefined;
  const [, version, traceId, spanId, flags, rest] = match as unknown as [
    string,
    string,
    string,
    string,
    string,
    string?,
  ];
  if (version === 'ff' || (version === '00' && rest !== undefined)) return undefined;
  if (/^0+$/.test(traceId) || /^0+$/.test(spanId)) return undefined;
  return { traceId, spanId, sampled: (parseInt(flags, 16) & 1) === 1 };
}

export function formatTraceParent(traceId: string, spanId: string, sampled = true): string {
  return `00-${traceId}-${spanId}-${sampled ? '01' : '00'}`;
}

/** A fresh W3C traceparent (version 00, sampled), as the host puts on an invocation nobody traces. */
export function newTraceParent(): string {
  return formatTraceParent(randomHex(16), randomHex(8));
}

/**
 * The traceparent of a hop nobody records: the caller's trace goes on (so the app's own spans still join it), with
 * a span id of its own; without a valid caller, a new trace.
 */
export function continueTraceParent(parent: string | undefined): string {
  const parsed = parent === undefined ? undefined : parseTraceParent(parent);
  return parsed ? formatTraceParent(parsed.traceId, randomHex(8), parsed.sampled) : newTraceParent();
}
