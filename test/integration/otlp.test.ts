import { ORDER_PATH_SPANS } from '../support/orderTrace.js';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { OrdersClient, useLocalStack, withDeadline } from '../support/stack.js';

type OtlpValue = { stringValue?: string; intValue?: string | number };
type OtlpSpan = { traceId: string; spanId: string; parentSpanId?: string; name: string };
type OtlpLog = { traceId?: string; spanId?: string; body?: OtlpValue };
type ExportedSpan = OtlpSpan & { service: string };

/** A test OTLP/HTTP collector: keeps what the stack exports (JSON) and tells waiters whenever more arrives. */
async function startCollector() {
  const spans: ExportedSpan[] = [];
  const logs: OtlpLog[] = [];
  const paths: string[] = [];
  let notify: () => void = () => undefined;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      paths.push(`${req.method} ${req.url} ${req.headers['content-type']} ${req.headers['x-api-key']}`);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as {
        resourceSpans?: {
          resource: { attributes: { key: string; value: OtlpValue }[] };
          scopeSpans: { spans: OtlpSpan[] }[];
        }[];
        resourceLogs?: { scopeLogs: { logRecords: OtlpLog[] }[] }[];
      };
      for (const resource of body.resourceSpans ?? []) {
        const service = resource.resource.attributes.find((a) => a.key === 'service.name')?.value.stringValue ?? '';
        for (const scope of resource.scopeSpans) spans.push(...scope.spans.map((s) => ({ ...s, service })));
      }
      for (const resource of body.resourceLogs ?? [])
        for (const scope of resource.scopeLogs) logs.push(...scope.logRecords);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      notify();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    logs,
    paths,
    /** Resolves once `ready()` holds, checked after every export that arrives. */
    until(ready: () => boolean): Promise<void> {
      return new Promise((resolve) => {
        const check = () => {
          if (ready()) resolve();
        };
        notify = check;
        check();
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

const collector = await startCollector();
// host.json says "telemetryMode": "OpenTelemetry"; with the endpoint set, the stack exports OTLP/HTTP there.
const fixture = useLocalStack({
  env: {
    ...process.env,
    OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
    OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=local%20key',
  },
});
afterAll(() => collector.close());

const PATH = ORDER_PATH_SPANS;

describe('OTLP export', () => {
  it("sends an order's whole path to the collector, every span under its parent, with its logs", async () => {
    const client = await OrdersClient.signIn(fixture.stack().urls.functions, 'olivia');
    const orderId = await client.place([{ sku: 'MUG-CERAMIC', quantity: 1 }]);
    expect((await client.waitUntilFinal(orderId)).status).toBe('Completed');

    const root = () => collector.spans.find((s) => s.name === 'POST /api/orders');
    const inTrace = () => collector.spans.filter((s) => s.traceId === root()?.traceId);
    const accepted = () => collector.logs.find((l) => l.body?.stringValue?.includes(`Order ${orderId} accepted`));
    await withDeadline(
      collector.until(() => inTrace().some((s) => s.name === 'SignalR sendToGroup') && accepted() !== undefined),
      15_000,
      "the order's spans and logs at the collector",
    );
    const spans = inTrace();
    expect(spans.map((s) => s.name)).toEqual(expect.arrayContaining([...PATH]));
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    for (const span of spans) if (span !== root()) expect(byId.has(span.parentSpanId ?? ''), span.name).toBe(true);
    // From the SignalR send up to the request, one parent at a time: the names of the order's path, in order.
    const chain: string[] = [];
    for (let s = spans.find((x) => x.name === 'SignalR sendToGroup'); s; s = byId.get(s.parentSpanId ?? '')) {
      chain.unshift(s.name);
    }
    expect(chain).toEqual(PATH.filter((name) => name !== 'EasyAuth authenticated'));
    expect(new Set(spans.map((s) => s.service))).toEqual(
      new Set(['order-notifications', 'servicebus-emulator', 'signalr-emulator']),
    );
    const log = accepted()!;
    expect(log.traceId).toBe(root()!.traceId);
    expect(log.spanId).toBe(spans.find((s) => s.name === 'createOrder')!.spanId);
    // The same spans the inspector's store holds.
    const stored = fixture
      .stack()
      .telemetry.store.trace(root()!.traceId)!
      .spans.map((s) => s.spanId);
    expect(stored).toEqual(expect.arrayContaining(spans.map((s) => s.spanId)));
    expect(collector.paths).toContain('POST /v1/traces application/json local key');
    expect(collector.paths).toContain('POST /v1/logs application/json local key');
  });
});
