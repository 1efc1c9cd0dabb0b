import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFunctionsHost, type FunctionsHost, type LogEntry } from '../../local/host/index.js';
import { CaptureLogger } from './helpers/captureLogger.js';
import { copyFixture, type FixtureApp } from './helpers/fixtureApp.js';

let app: FixtureApp;
let host: FunctionsHost;
const logger = new CaptureLogger();
const globals = globalThis as { releaseSlow?: () => void; terminated?: string[] };
const isFunctionList = (e: LogEntry): boolean => e.category === 'Host.Startup' && e.message.includes('Functions:');

beforeAll(async () => {
  app = copyFixture('reload-app');
  host = await startFunctionsHost({ appDir: app.dir, port: 0, env: {}, logger, watch: true });
});

afterAll(async () => {
  await host?.close();
  app?.remove();
});

it('reloads the whole module graph when compiled files change, after in-flight invocations finish', async () => {
  expect(await (await fetch(`${host.url}/api/value`)).text()).toBe('v1');

  const slowStarted = logger.next((e) => e.message.startsWith("Executing 'Functions.slow'"));
  const slow = fetch(`${host.url}/api/slow`);
  await slowStarted;

  const restarting = logger.next((e) => e.message === 'Host restarting: the app changed.');
  const reloaded = logger.next(isFunctionList);
  app.write('dist/lib/message.js', "export const message = 'v2';\n");
  await restarting;
  globals.releaseSlow?.();
  expect(await (await slow).text()).toBe('slow v1');
  await reloaded;

  const order = (predicate: (e: LogEntry) => boolean): number => logger.entries.findIndex(predicate);
  expect(order((e) => e.message.startsWith("Executed 'Functions.slow' (Succeeded"))).toBeLessThan(
    logger.entries.findLastIndex(isFunctionList),
  );
  expect(globals.terminated).toEqual(['v1']);
  expect(await (await fetch(`${host.url}/api/value`)).text()).toBe('v2');
});

it('keeps answering 503 after a reload that fails, and recovers on the next good change', async () => {
  const failed = logger.next((e) => e.message.startsWith('Host restart failed'));
  app.write('dist/functions/value.js', 'throw new Error("broken build");\n');
  expect((await failed).message).toContain('broken build');
  const res = await fetch(`${host.url}/api/value`);
  expect(res.status).toBe(503);
  expect(res.headers.get('content-type')).toContain('application/problem+json');
  expect(((await res.json()) as { detail: string }).detail).toMatch(
    /^Function host is not running: the app failed to load \(.*broken build.*\)/,
  );
  expect(host.state).toBe('failed');

  const reloaded = logger.next(isFunctionList);
  app.write(
    'dist/functions/value.js',
    "import { app } from '@azure/functions';\napp.get('value', { handler: async () => ({ body: 'v3' }) });\n",
  );
  await reloaded;
  expect(await (await fetch(`${host.url}/api/value`)).text()).toBe('v3');
  expect(host.state).toBe('running');
});
