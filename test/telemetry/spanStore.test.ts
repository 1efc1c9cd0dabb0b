import { describe, expect, it } from 'vitest';
import { SpanStore, type StoreBatch, type StoredSpan } from '../../local/telemetry/index.js';

function span(traceId: string, spanId: string, extra: Partial<StoredSpan> = {}): StoredSpan {
  return {
    traceId,
    spanId,
    name: `span ${spanId}`,
    kind: 'internal',
    service: 'test',
    startMs: 0,
    endMs: 1,
    status: 'unset',
    attributes: {},
    events: [],
    links: [],
    ...extra,
  };
}

const nextBatch = (store: SpanStore) =>
  new Promise<StoreBatch>((resolve) => {
    const stop = store.watch((batch) => {
      stop();
      resolve(batch);
    });
  });

describe('the span store the inspector reads', () => {
  it('groups spans and logs by trace, most recently active trace last', () => {
    const store = new SpanStore();
    store.addSpan(span('a', '1'));
    store.addSpan(span('b', '2'));
    store.addLog({ timeMs: 5, traceId: 'a', spanId: '1', level: 'information', category: 'Function.x', message: 'hi' });
    expect(store.traces().map((t) => t.traceId)).toEqual(['b', 'a']);
    expect(store.trace('a')).toMatchObject({ spans: [{ spanId: '1' }], logs: [{ message: 'hi' }] });
  });

  it('keeps logs without a trace apart, and only the latest of them', () => {
    const store = new SpanStore({ maxLooseLogs: 2 });
    for (const message of ['one', 'two', 'three']) {
      store.addLog({ timeMs: 0, level: 'information', category: 'Host.General', message });
    }
    expect(store.looseLogs().map((l) => l.message)).toEqual(['two', 'three']);
    expect(store.traces()).toEqual([]);
  });

  it('forgets the least recently active trace past its limit, and caps the items of one trace', () => {
    const store = new SpanStore({ maxTraces: 2, maxItemsPerTrace: 3 });
    store.addSpan(span('a', '1'));
    store.addSpan(span('b', '2'));
    store.addSpan(span('a', '3')); // a is now the most recent
    store.addSpan(span('c', '4'));
    expect(store.traces().map((t) => t.traceId)).toEqual(['a', 'c']);
    for (const id of ['5', '6', '7']) store.addSpan(span('a', id));
    expect(store.trace('a')!.spans.map((s) => s.spanId)).toEqual(['1', '3', '5']);
  });

  it('tells each watcher what arrived, in one batch per turn, and nobody once unwatched', async () => {
    const store = new SpanStore();
    let changes = 0;
    store.onWatchersChanged(() => changes++);
    expect(store.watched).toBe(false);
    const batch = nextBatch(store);
    expect(store.watched).toBe(true);
    store.addSpan(span('a', '1'));
    store.addLog({ timeMs: 0, traceId: 'a', level: 'warning', category: 'Function.x', message: 'careful' });
    store.addSpan(span('b', '2'));
    const received = await batch;
    expect(received.spans.map((s) => s.spanId)).toEqual(['1', '2']);
    expect(received.logs.map((l) => l.message)).toEqual(['careful']);
    expect(store.watched).toBe(false);
    expect(changes).toBe(2);
  });

  it('builds no batches while nobody watches', async () => {
    const store = new SpanStore();
    store.addSpan(span('a', '1'));
    const batch = nextBatch(store);
    store.addSpan(span('a', '2'));
    expect((await batch).spans.map((s) => s.spanId)).toEqual(['2']);
  });

  it('clear() forgets every trace and log', () => {
    const store = new SpanStore();
    store.addSpan(span('a', '1'));
    store.addLog({ timeMs: 0, level: 'information', category: 'Host.General', message: 'x' });
    store.clear();
    expect(store.traces()).toEqual([]);
    expect(store.looseLogs()).toEqual([]);
  });
});
