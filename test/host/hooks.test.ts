import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../local/shared/clock.js';
import {
  startFunctionsHost,
  type BindingAdapter,
  type BindingInfo,
  type FunctionsHost,
  type RpcTypedData,
} from '../../local/host/index.js';
import { CaptureLogger, reported } from './helpers/captureLogger.js';
import { copyFixture, type FixtureApp } from './helpers/fixtureApp.js';
import { manualTrigger, withTestExtension } from './helpers/testExtension.js';

const applied: { binding: BindingInfo; value: RpcTypedData }[] = [];
const sinkAdapter: BindingAdapter = {
  type: 'testSink',
  async applyOutput(binding, value) {
    applied.push({ binding, value });
  },
};
let since = 0;
const triggerOnly = manualTrigger('testTriggerOnly');
const events = (): string[] => reported<string>(logger, 'event', since);

let app: FixtureApp;
let host: FunctionsHost;
const logger = new CaptureLogger();
const clock = new ManualClock(Date.UTC(2026, 4, 17, 8, 30, 5));

beforeAll(async () => {
  app = copyFixture('hooks-app', { IsEncrypted: false, Values: { SinkTarget: 'from-setting' } });
  host = await startFunctionsHost({
    appDir: app.dir,
    port: 0,
    env: {},
    logger,
    clock,
    extensions: withTestExtension(sinkAdapter, triggerOnly),
  });
});

afterAll(async () => {
  await host?.close();
  app?.remove();
});

const post = (path: string, body?: unknown): Promise<Response> =>
  fetch(`${host.url}${path}`, {
    method: 'POST',
    headers: { 'x-tenant': 'contoso', 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

describe('invocation pipeline', () => {
  it('runs appStart once, then pre hooks, the (replaced) handler, post hooks, in the worker order', async () => {
    // appStart ran outside any invocation, so it reached the host as a console line of the worker.
    await logger.find((e) => e.message === 'event:"appStart"');
    expect(events()).toEqual(['appStart']);
    since = logger.entries.length;
    const res = await post('/api/out/7?user=ann', { customer: 'c-1' });
    expect(res.status).toBe(200);
    expect(events()).toEqual(['pre:withOutput', 'handler-wrapped', 'handler', 'post:pre-data:ok']);
  });

  it('applies outputs after success with binding expressions resolved', async () => {
    applied.length = 0;
    await post('/api/out/7?user=ann', { customer: 'c-1' });
    expect(applied).toHaveLength(1);
    const [{ binding, value }] = applied as [(typeof applied)[number]];
    expect(binding.path).toMatch(/^orders\/ann\/7\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(binding.target).toBe('from-setting');
    expect(binding.when).toBe('2026-05-17T08-30-05Z');
    expect(binding.header).toBe('contoso');
    expect(binding.fromBody).toBe('c-1');
    expect(JSON.parse(value.json ?? '')).toEqual({ id: '7' });
  });

  it('applies no output when the handler throws, and answers 500', async () => {
    applied.length = 0;
    since = logger.entries.length;
    const res = await post('/api/out/8?user=ann&fail=1', { customer: 'c-1' });
    expect(res.status).toBe(500);
    expect(applied).toEqual([]);
    expect(events()).toContain('post:pre-data:error');
  });

  it('lets a postInvocation hook swallow the error, and then the outputs apply', async () => {
    applied.length = 0;
    const res = await post('/api/out/9?user=ann&fail=1&swallow=1', { customer: 'c-1' });
    expect(res.status).toBe(200);
    expect(applied).toHaveLength(1);
  });

  it('fails the invocation with the host message when an expression has no value', async () => {
    applied.length = 0;
    since = logger.entries.length;
    const res = await post('/api/out/10', { customer: 'c-1' });
    expect(res.status).toBe(500);
    expect(events()).toEqual([]);
    expect(logger.messages().join('\n')).toContain("No value for named parameter 'query.user'.");
  });

  it('fails an invocation whose binding type has no handler for its direction, naming it, without running it', async () => {
    since = logger.entries.length;
    const res = await fetch(`${host.url}/api/needsOutput`);
    expect(res.status).toBe(500);
    expect(events()).not.toContain('output handler ran');
    expect(logger.messages().join('\n')).toContain(
      "The local host has no support for the output binding type 'testTriggerOnly' (binding",
    );
  });

  it('invokes by name through the host API used by trigger adapters', async () => {
    await expect(host.invoke('nope', { triggerData: {}, reason: 'test' })).rejects.toThrow(
      "Function code for 'nope' is not loaded and cannot be invoked.",
    );
  });
});
