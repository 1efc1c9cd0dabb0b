import { describe, expect, it } from 'vitest';
import {
  continueTraceParent,
  messageTraceContext,
  otlpTarget,
  parseOtlpHeaders,
  parseTraceParent,
  Telemetry,
  withMessageTraceContext,
} from '../../local/telemetry/index.js';

const REMOTE = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

describe('telemetry', () => {
  it('records only while the store is watched (an inspector page is open) or spans are exported', () => {
    const telemetry = new Telemetry();
    expect(telemetry.recording).toBe(false);
    const stop = telemetry.store.watch(() => undefined);
    expect(telemetry.recording).toBe(true);
    stop();
    expect(telemetry.recording).toBe(false);
  });

  it('continues a remote traceparent, and its own spans and logs nest under each other in the store', () => {
    const telemetry = new Telemetry({ serviceName: 'my-app' });
    const stop = telemetry.store.watch(() => undefined);
    const outer = telemetry.startSpan('host', 'outer', { kind: 'server', parent: REMOTE });
    const inner = telemetry.startSpan('servicebus', 'inner', {
      parent: outer,
      attributes: { 'x.y': 1, none: undefined },
    });
    telemetry.trackInvocation('inv-1', inner);
    telemetry.log({ level: 'warning', category: 'Function.f.User', message: 'hello', invocationId: 'inv-1' });
    telemetry.untrackInvocation('inv-1');
    inner.fail(new Error('it broke'));
    inner.end();
    outer.end();
    stop();
    const trace = telemetry.store.trace('0af7651916cd43dd8448eb211c80319c')!;
    const [innerSpan, outerSpan] = trace.spans;
    expect(outerSpan).toMatchObject({
      name: 'outer',
      kind: 'server',
      parentSpanId: 'b7ad6b7169203331',
      service: 'my-app',
    });
    expect(innerSpan).toMatchObject({
      name: 'inner',
      parentSpanId: outer.spanId,
      service: 'servicebus-emulator',
      status: 'error',
      statusMessage: 'it broke',
      attributes: { 'x.y': 1 },
    });
    expect(innerSpan!.events.map((e) => e.name)).toEqual(['exception']);
    expect(trace.logs).toMatchObject([
      { spanId: inner.spanId, level: 'warning', category: 'Function.f.User', message: 'hello', invocationId: 'inv-1' },
    ]);
    expect(inner.traceParent).toBe(`00-0af7651916cd43dd8448eb211c80319c-${inner.spanId}-01`);
  });

  it('keeps no log records while nothing records', () => {
    const telemetry = new Telemetry();
    telemetry.log({ level: 'information', category: 'Host.General', message: 'nobody listens' });
    expect(telemetry.store.looseLogs()).toEqual([]);
  });
});

describe('W3C trace context', () => {
  it('parses traceparent values by the spec and refuses the invalid ones', () => {
    expect(parseTraceParent(REMOTE)).toEqual({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      sampled: true,
    });
    expect(parseTraceParent('01-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00-extra')?.sampled).toBe(false);
    for (const bad of [
      'ff-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      '00-00000000000000000000000000000000-b7ad6b7169203331-01',
      '00-0af7651916cd43dd8448eb211c80319c-0000000000000000-01',
      '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01-extra',
      '00-0AF7651916CD43DD8448EB211C80319C-b7ad6b7169203331-01',
      'nonsense',
      42,
    ]) {
      expect(parseTraceParent(bad)).toBeUndefined();
    }
  });

  it('an unrecorded hop keeps the caller trace under a new span id, or starts a new trace', () => {
    const continued = parseTraceParent(continueTraceParent(REMOTE))!;
    expect(continued.traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(continued.spanId).not.toBe('b7ad6b7169203331');
    expect(parseTraceParent(continueTraceParent('garbage'))).toBeDefined();
    expect(parseTraceParent(continueTraceParent(undefined))!.traceId).not.toBe('0af7651916cd43dd8448eb211c80319c');
  });

  it('reads message properties as the .NET SDK does and writes them as it does, keeping a context already there', () => {
    expect(messageTraceContext({ 'Diagnostic-Id': REMOTE })).toEqual({ traceParent: REMOTE });
    expect(messageTraceContext({ 'Diagnostic-Id': 'x', traceparent: REMOTE, tracestate: 'a=1' })).toEqual({
      traceParent: REMOTE,
      traceState: 'a=1',
    });
    expect(messageTraceContext({ other: 1 })).toBeUndefined();
    expect(messageTraceContext(Object.create({ 'Diagnostic-Id': REMOTE }) as Record<string, unknown>)).toBeUndefined();
    expect(withMessageTraceContext({ a: 1 }, { traceParent: REMOTE, traceState: 'k=v' })).toEqual({
      a: 1,
      'Diagnostic-Id': REMOTE,
      traceparent: REMOTE,
      tracestate: 'k=v',
    });
    const carried = { 'Diagnostic-Id': 'from-the-sdk' };
    expect(withMessageTraceContext(carried, { traceParent: REMOTE })).toBe(carried);
  });
});

describe('OTLP settings', () => {
  const settings = (values: Record<string, string>) => (name: string) => values[name];

  it('takes the base endpoint and percent-decoded headers', () => {
    expect(
      otlpTarget(
        settings({
          OTEL_EXPORTER_OTLP_ENDPOINT: 'http://localhost:4318/',
          OTEL_EXPORTER_OTLP_HEADERS: 'api-key=a%20b, x=1',
        }),
      ),
    ).toEqual({ endpoint: 'http://localhost:4318', headers: { 'api-key': 'a b', x: '1' } });
    expect(otlpTarget(settings({}))).toBeUndefined();
  });

  it('refuses what it cannot use, naming the setting', () => {
    expect(() => otlpTarget(settings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4318' }))).toThrow(/http\(s\) URL/);
    expect(() => otlpTarget(settings({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }))).toThrow(
      /OTEL_EXPORTER_OTLP_ENDPOINT 'not a url' is not a URL/,
    );
    expect(() => parseOtlpHeaders('novalue')).toThrow(/OTEL_EXPORTER_OTLP_HEADERS: 'novalue'/);
    expect(() => parseOtlpHeaders('k=%zz')).toThrow(/percent-encoding/);
  });
});
