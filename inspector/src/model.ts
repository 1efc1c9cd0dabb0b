import type { Batch, Log, Snapshot, Span, Trace } from './types.js';

/** One trace as the timeline lists it. */
export type TraceSummary = {
  traceId: string;
  name: string;
  startMs: number;
  endMs: number;
  users: string[];
  functions: string[];
  status: 'ok' | 'error';
  spanCount: number;
  /** Everything searchable in it, lower-cased: names, attribute values, event attributes, log lines. */
  text: string;
};

export type TraceFilter = { user?: string; text?: string; functionName?: string; status?: 'ok' | 'error' };

/** Spans whose parent is not in the trace (yet) are roots; the earliest root names the trace. */
function roots(spans: readonly Span[]): Span[] {
  const ids = new Set(spans.map((s) => s.spanId));
  return spans
    .filter((s) => s.parentSpanId === undefined || !ids.has(s.parentSpanId))
    .sort((a, b) => a.startMs - b.startMs);
}

export function summarize(trace: Trace): TraceSummary {
  const users = new Set<string>();
  const functions = new Set<string>();
  const text: string[] = [];
  for (const span of trace.spans) {
    text.push(span.name, span.statusMessage ?? '');
    for (const attributes of [span.attributes, ...span.events.map((e) => e.attributes)]) {
      const user = attributes['enduser.id'];
      if (typeof user === 'string') users.add(user);
      text.push(...Object.values(attributes).map(String));
    }
    const invocation = span.attributes['faas.invocation_id'];
    if (invocation !== undefined && typeof span.attributes['faas.name'] === 'string')
      functions.add(span.attributes['faas.name']);
  }
  for (const log of trace.logs) text.push(log.message);
  const starts = [...trace.spans.map((s) => s.startMs), ...trace.logs.map((l) => l.timeMs)];
  const ends = [...trace.spans.map((s) => s.endMs), ...trace.logs.map((l) => l.timeMs)];
  return {
    traceId: trace.traceId,
    name: roots(trace.spans)[0]?.name ?? trace.logs[0]?.message ?? trace.traceId,
    startMs: Math.min(...starts),
    endMs: Math.max(...ends),
    users: [...users].sort(),
    functions: [...functions].sort(),
    status: trace.spans.some((s) => s.status === 'error') ? 'error' : 'ok',
    spanCount: trace.spans.length,
    text: text.join('\n').toLowerCase(),
  };
}

export function matches(summary: TraceSummary, filter: TraceFilter): boolean {
  if (filter.user && !summary.users.includes(filter.user)) return false;
  if (filter.functionName && !summary.functions.includes(filter.functionName)) return false;
  if (filter.status && summary.status !== filter.status) return false;
  const text = filter.text?.trim().toLowerCase();
  return !text || summary.text.includes(text);
}

/** The trace's spans in tree order (each after its parent, siblings by start), with their depth. */
export function waterfall(trace: Trace): { span: Span; depth: number }[] {
  const children = new Map<string, Span[]>();
  for (const span of trace.spans) {
    if (span.parentSpanId === undefined) continue;
    children.set(span.parentSpanId, [...(children.get(span.parentSpanId) ?? []), span]);
  }
  const rows: { span: Span; depth: number }[] = [];
  const visit = (span: Span, depth: number) => {
    rows.push({ span, depth });
    for (const child of (children.get(span.spanId) ?? []).sort((a, b) => a.startMs - b.startMs))
      visit(child, depth + 1);
  };
  for (const root of roots(trace.spans)) visit(root, 0);
  return rows;
}

/** What the page knows: every trace it was sent, updated by each live batch. */
export class TraceModel {
  readonly #traces = new Map<string, { spans: Map<string, Span>; logs: Log[] }>();
  looseLogs: Log[] = [];

  load(snapshot: Snapshot): void {
    this.#traces.clear();
    for (const trace of snapshot.traces) this.#add(trace.spans, trace.logs);
    this.looseLogs = [...snapshot.looseLogs];
  }

  apply(batch: Batch): void {
    this.#add(
      batch.spans,
      batch.logs.filter((l) => l.traceId !== undefined),
    );
    this.looseLogs.push(...batch.logs.filter((l) => l.traceId === undefined));
  }

  trace(traceId: string): Trace | undefined {
    const entry = this.#traces.get(traceId);
    if (!entry) return undefined;
    return { traceId, spans: [...entry.spans.values()], logs: [...entry.logs].sort((a, b) => a.timeMs - b.timeMs) };
  }

  /** Every trace, newest first. */
  summaries(): TraceSummary[] {
    return [...this.#traces.keys()].map((id) => summarize(this.trace(id)!)).sort((a, b) => b.startMs - a.startMs);
  }

  /** Every span of every trace, for the views that list operations (functions, SignalR). */
  spans(): Span[] {
    return [...this.#traces.values()].flatMap((t) => [...t.spans.values()]);
  }

  #add(spans: readonly Span[], logs: readonly Log[]): void {
    for (const span of spans) this.#entry(span.traceId).spans.set(span.spanId, span);
    for (const log of logs) this.#entry(log.traceId!).logs.push(log);
  }

  #entry(traceId: string) {
    let entry = this.#traces.get(traceId);
    if (!entry) this.#traces.set(traceId, (entry = { spans: new Map(), logs: [] }));
    return entry;
  }
}
