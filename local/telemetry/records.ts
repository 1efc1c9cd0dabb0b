// The span store's records in plain JSON: what the inspector's endpoints send and its page reads. No runtime
// code here, so the page can share these types without bundling any of the server.

/** Attribute values as the store keeps them: what OpenTelemetry allows, arrays included. */
export type StoredValue = string | number | boolean | (string | number | boolean | null | undefined)[];
export type StoredAttributes = Record<string, StoredValue>;

export type SpanKindName = 'internal' | 'server' | 'client' | 'producer' | 'consumer';

/** One finished span, in plain JSON (times in ms since the epoch, fractional). */
export type StoredSpan = {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: SpanKindName;
  /** The resource's `service.name`: which part of the stack emitted it. */
  service: string;
  startMs: number;
  endMs: number;
  status: 'unset' | 'ok' | 'error';
  statusMessage?: string;
  attributes: StoredAttributes;
  events: { name: string; timeMs: number; attributes: StoredAttributes }[];
  links: { traceId: string; spanId: string }[];
};

export type StoredLog = {
  timeMs: number;
  traceId?: string;
  spanId?: string;
  level: string;
  category: string;
  message: string;
  invocationId?: string;
};

export type StoredTrace = { traceId: string; spans: StoredSpan[]; logs: StoredLog[] };

/** What a watcher is told: everything recorded since the last batch, in recording order. */
export type StoreBatch = { spans: StoredSpan[]; logs: StoredLog[] };
