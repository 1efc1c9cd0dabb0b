import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunctionsHost, type FunctionsHost } from '../../local/host/index.js';
import { CaptureLogger } from './helpers/captureLogger.js';
import { copyFixture, type FixtureApp } from './helpers/fixtureApp.js';

/** Shared with the fixture function below (the host runs the app in this process): it holds each call. */
type Gate = { running: number; maxRunning: number; held: (() => void)[]; onEnter?: () => void };
const gate: Gate = { running: 0, maxRunning: 0, held: [] };
(globalThis as { __throttleGate?: Gate }).__throttleGate = gate;

const GATED_FUNCTION = `import { app } from '@azure/functions';
app.http('gated', {
  methods: ['GET'],
  handler: async () => {
    const gate = globalThis.__throttleGate;
    gate.running++;
    gate.maxRunning = Math.max(gate.maxRunning, gate.running);
    gate.onEnter?.();
    await new Promise((resolve) => gate.held.push(resolve));
    gate.running--;
    return { body: 'done' };
  },
});
`;

let app: FixtureApp;
let host: FunctionsHost;
const logger = new CaptureLogger();

beforeAll(async () => {
  app = copyFixture('http-app');
  app.write(
    'host.json',
    JSON.stringify({
      version: '2.0',
      extensions: { http: { maxConcurrentRequests: 1, maxOutstandingRequests: 2, dynamicThrottlesEnabled: true } },
    }),
  );
  app.write('dist/functions/gated.js', GATED_FUNCTION);
  host = await startFunctionsHost({ appDir: app.dir, port: 0, env: {}, logger });
});

afterAll(async () => {
  for (const release of gate.held.splice(0)) release();
  await host?.close();
  app?.remove();
});

const entered = (): Promise<void> => new Promise((resolve) => (gate.onEnter = resolve));

describe('host.json extensions.http request limits', () => {
  it('runs one function at a time, queues the next and answers 429 past maxOutstandingRequests', async () => {
    let next = entered();
    const first = fetch(`${host.url}/api/gated`);
    await next;
    next = entered();
    // One of these two waits in the queue, the other finds it full.
    const second = fetch(`${host.url}/api/gated`);
    const third = fetch(`${host.url}/api/gated`);
    const refused = await Promise.race([second, third]);
    expect(refused.status).toBe(429);
    // Admin requests are not function requests: the queue does not hold them up.
    const status = await fetch(`${host.url}/admin/host/status`, { headers: { 'x-functions-key': host.masterKey } });
    expect(status.status).toBe(200);

    gate.held.shift()!();
    expect(await (await first).text()).toBe('done');
    await next; // the queued request starts only now
    gate.held.shift()!();
    const answers = await Promise.all([second, third]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 429]);
    expect(gate.maxRunning).toBe(1);
  });

  it('says at start-up that dynamic throttles are not emulated', () => {
    expect(logger.messages().some((m) => m.includes("'extensions.http.dynamicThrottlesEnabled' is not emulated"))).toBe(
      true,
    );
  });
});
