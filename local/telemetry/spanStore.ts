import type { StoredSpan, StoredLog, StoredTrace, StoreBatch } from './records.js';

export type {
  StoredValue,
  StoredAttributes,
  SpanKindName,
  StoredSpan,
  StoredLog,
  StoredTrace,
  StoreBatch,
} from './records.js';

export type SpanStoreLimits = {
  /** Traces kept; the least recently active one goes first. */
  maxTraces: number;
  /** Spans and logs kept per trace (the first ones: an order's path, not a runaway loop's tail). */
  maxItemsPerTrace: number;
  /** Logs that belong to no trace (start-up, the host's own messages). */
  maxLooseLogs: number;
};

const DEFAULT_LIMITS: SpanStoreLimits = { maxTraces: 500, maxItemsPerTrace: 2000, maxLooseLogs: 500 };

/**
 * The recent past the inspector shows: finished spans and log records grouped by trace, bounded, with watchers
 * told of what arrives in batches (one per turn of the event loop, so a burst is one message to each page).
 */
export class SpanStore {
  readonly #limits: SpanStoreLimits;
  /** Insertion order is recency order: a trace that gets something new moves to the end. */
  readonly #traces = new Map<string, StoredTrace>();
  readonly #looseLogs: StoredLog[] = [];
  readonly #watchers = new Set<(batch: StoreBatch) => void>();
  #pending: StoreBatch | undefined;
  #onWatchersChanged: (() => void) | undefined;

  constructor(limits: Partial<SpanStoreLimits> = {}) {
    this.#limits = { ...DEFAULT_LIMITS, ...limits };
  }

  /** Whether anybody watches (an inspector page is open): telemetry records only then, or when exporting. */
  get watched(): boolean {
    return this.#watchers.size > 0;
  }

  /** Called whenever `watched` may have changed. */
  onWatchersChanged(listener: () => void): void {
    this.#onWatchersChanged = listener;
  }

  /** Calls `listener` with every later batch until the returned function is called. */
  watch(listener: (batch: StoreBatch) => void): () => void {
    this.#watchers.add(listener);
    this.#onWatchersChanged?.();
    return () => {
      if (this.#watchers.delete(listener)) this.#onWatchersChanged?.();
    };
  }

  addSpan(span: StoredSpan): void {
    const trace = this.#trace(span.traceId);
    if (trace.spans.length + trace.logs.length < this.#limits.maxItemsPerTrace) trace.spans.push(span);
    if (this.#watchers.size > 0) this.#queue().spans.push(span);
  }

  addLog(log: StoredLog): void {
    if (log.traceId === undefined) {
      this.#looseLogs.push(log);
      if (this.#looseLogs.length > this.#limits.maxLooseLogs) this.#looseLogs.shift();
    } else {
      const trace = this.#trace(log.traceId);
      if (trace.spans.length + trace.logs.length < this.#limits.maxItemsPerTrace) trace.logs.push(log);
    }
    if (this.#watchers.size > 0) this.#queue().logs.push(log);
  }

  /** Every trace kept, least recently active first. */
  traces(): StoredTrace[] {
    return [...this.#traces.values()];
  }

  trace(traceId: string): StoredTrace | undefined {
    return this.#traces.get(traceId);
  }

  looseLogs(): StoredLog[] {
    return [...this.#looseLogs];
  }

  clear(): void {
    this.#traces.clear();
    this.#looseLogs.length = 0;
  }

  #trace(traceId: string): StoredTrace {
    let trace = this.#traces.get(traceId);
    if (trace) this.#traces.delete(traceId);
    else trace = { traceId, spans: [], logs: [] };
    this.#traces.set(traceId, trace);
    if (this.#traces.size > this.#limits.maxTraces) {
      const oldest = this.#traces.keys().next().value as string;
      this.#traces.delete(oldest);
    }
    return trace;
  }

  #queue(): StoreBatch {
    if (this.#pending) return this.#pending;
    const batch: StoreBatch = { spans: [], logs: [] };
    this.#pending = batch;
    setImmediate(() => {
      this.#pending = undefined;
      for (const watcher of [...this.#watchers]) watcher(batch);
    });
    return batch;
  }
}
