import { mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startFunctionsHost, type FunctionsHost, type LogEntry } from '../../local/host/index.js';
import { manualTrigger, withTestExtension } from './helpers/testExtension.js';
import { CaptureLogger, reported } from './helpers/captureLogger.js';
import { copyFixture, type FixtureApp } from './helpers/fixtureApp.js';

const repoNodeModules = fileURLToPath(new URL('../../node_modules', import.meta.url));
let app: FixtureApp;
let host: FunctionsHost;
const logger = new CaptureLogger();
/** The trigger of `releaseSlow`: nothing listens, the test invokes it through the host. */
const extensions = withTestExtension(manualTrigger('testReleaseTrigger'));
const isFunctionList = (e: LogEntry): boolean => e.category === 'Host.Startup' && e.message.includes('Functions:');

beforeAll(async () => {
  app = copyFixture('reload-app');
  host = await startFunctionsHost({
    appDir: app.dir,
    port: 0,
    env: {},
    logger,
    watch: true,
    extensions,
  });
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
  await host.invoke('releaseSlow', { triggerData: { string: '' }, reason: 'test' });
  expect(await (await slow).text()).toBe('slow v1');
  await reloaded;

  const order = (predicate: (e: LogEntry) => boolean): number => logger.entries.findIndex(predicate);
  expect(order((e) => e.message.startsWith("Executed 'Functions.slow' (Succeeded"))).toBeLessThan(
    logger.entries.findLastIndex(isFunctionList),
  );
  // appTerminate ran in the old worker as it was told to stop; its console line reached the host.
  await logger.find((e) => e.message.startsWith('terminated:'));
  expect(reported(logger, 'terminated')).toEqual(['v1']);
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
    /^Function host is not running: the app failed \(.*broken build.*\)/,
  );
  expect(host.isRunning()).toBe(false);

  const reloaded = logger.next(isFunctionList);
  app.write(
    'dist/functions/value.js',
    "import { app } from '@azure/functions';\napp.get('value', { handler: async () => ({ body: 'v3' }) });\n",
  );
  await reloaded;
  expect(await (await fetch(`${host.url}/api/value`)).text()).toBe('v3');
  expect(host.isRunning()).toBe(true);
});

it('reloads when a file of one of the app’s dependencies changes (node_modules is part of the app)', async () => {
  const depApp = copyFixture('reload-app');
  try {
    // The app's own node_modules: its dependency as a real folder, the library linked from the repository.
    const modules = join(depApp.dir, 'node_modules');
    rmSync(modules);
    mkdirSync(join(modules, 'fixture-dep'), { recursive: true });
    symlinkSync(join(repoNodeModules, '@azure'), join(modules, '@azure'), 'dir');
    depApp.write(
      'node_modules/fixture-dep/package.json',
      '{ "name": "fixture-dep", "type": "module", "main": "index.js" }',
    );
    depApp.write('node_modules/fixture-dep/index.js', "export const message = 'dep v1';\n");
    depApp.write(
      'package.json',
      JSON.stringify({ type: 'module', main: 'dist/functions/*.js', dependencies: { 'fixture-dep': '1.0.0' } }),
    );
    depApp.write('dist/lib/message.js', "export { message } from 'fixture-dep';\n");
    const depLogger = new CaptureLogger();
    const depHost = await startFunctionsHost({
      appDir: depApp.dir,
      port: 0,
      env: {},
      logger: depLogger,
      watch: true,
      extensions,
    });
    try {
      expect(await (await fetch(`${depHost.url}/api/value`)).text()).toBe('dep v1');
      const reloaded = depLogger.next(isFunctionList);
      depApp.write('node_modules/fixture-dep/index.js', "export const message = 'dep v2';\n");
      await reloaded;
      expect(await (await fetch(`${depHost.url}/api/value`)).text()).toBe('dep v2');
    } finally {
      await depHost.close();
    }
  } finally {
    depApp.remove();
  }
});
