import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunctionsHost, type FunctionsHost } from '../../local/host/index.js';
import { parseTraceParent, Telemetry, type StoredSpan } from '../../local/telemetry/index.js';
import { CaptureLogger } from './helpers/captureLogger.js';
import { copyFixture, type FixtureApp } from './helpers/fixtureApp.js';

const CALLER = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

// What the app sees: the library's `context.traceContext`, as an app's own OpenTelemetry set-up would read it.
const TRACE_FUNCTION = `
import { app } from '@azure/functions';
app.http('trace', {
  methods: ['GET'],
  handler: async (request, context) => {
    context.log('inside the function');
    return { jsonBody: context.traceContext };
  },
});
`;

let app: FixtureApp;
let host: FunctionsHost;
const telemetry = new Telemetry({ serviceName: 'http-app' });

beforeAll(async () => {
  app = copyFixture('http-app', { IsEncrypted: false, Values: {} });
  app.write('dist/functions/trace.js', TRACE_FUNCTION);
  host = await startFunctionsHost({ appDir: app.dir, port: 0, env: {}, logger: new CaptureLogger(), telemetry });
});

afterAll(async () => {
  await host?.close();
  await telemetry.shutdown();
  app?.remove();
});

async function traceContext(headers: Record<string, string> = {}): Promise<{ traceParent: string }> {
  const response = await fetch(`${host.url}/api/trace`, { headers });
  expect(response.status).toBe(200);
  return (await response.json()) as { traceParent: string };
}

/** Resolves with the spans recorded until one named `last` ends. */
function spansUntil(last: string): Promise<StoredSpan[]> {
  const spans: StoredSpan[] = [];
  return new Promise((resolve) => {
    const stop = telemetry.store.watch((batch) => {
      spans.push(...batch.spans);
      if (batch.spans.some((s) => s.name === last)) {
        stop();
        resolve(spans);
      }
    });
  });
}

describe("the invocation's trace context, as the app sees it", () => {
  it('with nothing recording: the caller trace goes on under a span id of its own, and no span is kept', async () => {
    const { traceParent } = await traceContext({ traceparent: CALLER });
    const parsed = parseTraceParent(traceParent)!;
    expect(parsed.traceId).toBe('4bf92f3577b34da6a3ce929d0e0e4736');
    expect(parsed.spanId).not.toBe('00f067aa0ba902b7');
    expect(parseTraceParent((await traceContext()).traceParent)!.traceId).not.toBe(parsed.traceId);
    expect(telemetry.store.traces()).toEqual([]);
  });

  it("while recording: it is the invocation's span, under the request's span, under the caller's", async () => {
    const recorded = spansUntil('GET /api/trace');
    const { traceParent } = await traceContext({ traceparent: CALLER });
    const spans = await recorded;
    const request = spans.find((s) => s.name === 'GET /api/trace')!;
    const invocation = spans.find((s) => s.name === 'trace')!;
    expect(request).toMatchObject({
      parentSpanId: '00f067aa0ba902b7',
      kind: 'server',
      attributes: { 'http.route': '/api/trace' },
    });
    expect(invocation).toMatchObject({ parentSpanId: request.spanId, attributes: { 'faas.trigger': 'http' } });
    expect(traceParent).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${invocation.spanId}-01`);
    const logs = telemetry.store.trace('4bf92f3577b34da6a3ce929d0e0e4736')!.logs;
    expect(logs.filter((l) => l.spanId === invocation.spanId).map((l) => l.message)).toEqual(
      expect.arrayContaining([expect.stringMatching(/^Executing 'Functions.trace'/), 'inside the function']),
    );
  });
});
