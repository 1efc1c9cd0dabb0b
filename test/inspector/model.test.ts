import { describe, expect, it } from 'vitest';
import { matches, summarize, TraceModel, waterfall } from '../../inspector/src/model.js';
import type { Span } from '../../inspector/src/types.js';

function span(spanId: string, parentSpanId: string | undefined, startMs: number, extra: Partial<Span> = {}): Span {
  return {
    traceId: 't1',
    spanId,
    parentSpanId,
    name: spanId,
    kind: 'internal',
    service: 'app',
    startMs,
    endMs: startMs + 10,
    status: 'unset',
    attributes: {},
    events: [],
    links: [],
    ...extra,
  };
}

const orderTrace = {
  traceId: 't1',
  spans: [
    span('deliver', 'enqueue', 30),
    span('request', 'caller-outside', 0, { name: 'POST /api/orders', attributes: { 'enduser.id': 'alice' } }),
    span('createOrder', 'request', 5, { attributes: { 'faas.name': 'createOrder', 'faas.invocation_id': 'i1' } }),
    span('enqueue', 'createOrder', 20),
    span('processOrder', 'deliver', 35, {
      status: 'error',
      attributes: { 'faas.name': 'processOrder', 'faas.invocation_id': 'i2' },
    }),
    span('send', 'processOrder', 38, {
      events: [{ name: 'delivered', timeMs: 40, attributes: { 'enduser.id': 'bob', 'signalr.connection_id': 'c1' } }],
    }),
  ],
  logs: [
    {
      timeMs: 6,
      traceId: 't1',
      spanId: 'createOrder',
      level: 'information',
      category: 'x',
      message: 'Order 42-abc accepted',
    },
  ],
};

describe("the inspector page's trace model", () => {
  it('summarizes a trace: its root, users, functions, status and searchable text', () => {
    const summary = summarize(orderTrace);
    expect(summary).toMatchObject({
      name: 'POST /api/orders',
      startMs: 0,
      endMs: 48,
      users: ['alice', 'bob'],
      functions: ['createOrder', 'processOrder'],
      status: 'error',
      spanCount: 6,
    });
    expect(summary.text).toContain('order 42-abc accepted');
  });

  it('filters by user, function, status and any text', () => {
    const summary = summarize(orderTrace);
    expect(matches(summary, {})).toBe(true);
    expect(matches(summary, { user: 'alice', functionName: 'processOrder', status: 'error', text: '42-ABC' })).toBe(
      true,
    );
    expect(matches(summary, { user: 'carol' })).toBe(false);
    expect(matches(summary, { functionName: 'negotiate' })).toBe(false);
    expect(matches(summary, { status: 'ok' })).toBe(false);
    expect(matches(summary, { text: 'no such order' })).toBe(false);
  });

  it('lays the spans out as a waterfall: each under its parent, siblings by start', () => {
    expect(waterfall(orderTrace).map(({ span, depth }) => `${depth}:${span.spanId}`)).toEqual([
      '0:request',
      '1:createOrder',
      '2:enqueue',
      '3:deliver',
      '4:processOrder',
      '5:send',
    ]);
  });

  it('takes a snapshot, then live batches, and lists traces newest first', () => {
    const model = new TraceModel();
    model.load({ traces: [orderTrace], looseLogs: [] });
    model.apply({
      spans: [{ ...span('later', undefined, 100), traceId: 't2' }],
      logs: [{ timeMs: 1, level: 'information', category: 'Host.General', message: 'no trace' }],
    });
    expect(model.summaries().map((s) => s.traceId)).toEqual(['t2', 't1']);
    expect(model.looseLogs.map((l) => l.message)).toEqual(['no trace']);
    expect(model.trace('t1')!.logs).toHaveLength(1);
  });
});
