import { realpathSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startFunctionsHost, type FunctionsHost } from '../../local/host/index.js';
import { READ_AT_START, startPlaceholderWorker } from '../../local/host/workers/placeholderWorker.js';
import { CaptureLogger } from './helpers/captureLogger.js';
import { copyFixture, type FixtureApp } from './helpers/fixtureApp.js';

const apps: FixtureApp[] = [];
let host: FunctionsHost | undefined;

afterEach(async () => {
  await host?.close();
  host = undefined;
});
afterAll(() => {
  for (const app of apps) app.remove();
});

async function start(env: Record<string, string> = {}, logger = new CaptureLogger()) {
  const app = copyFixture('worker-app', { IsEncrypted: false, Values: { FixtureSetting: 'from local settings' } });
  apps.push(app);
  host = await startFunctionsHost({ appDir: app.dir, port: 0, env, logger });
  return { app, host, logger };
}

type Whoami = { pid: number; cwd: string; setting: string; startedAs: string; placeholderOnly?: string };
const whoami = async (url: string): Promise<Whoami> => (await (await fetch(`${url}/api/whoami`)).json()) as Whoami;

describe('the language worker process', () => {
  it('runs the app in its own process, in the app folder, with the app settings as its environment', async () => {
    const { app, host } = await start();
    const me = await whoami(host.url);
    expect(me.pid).not.toBe(process.pid);
    expect(host.workerPids()).toEqual([me.pid]);
    expect(me.cwd).toBe(realpathSync(app.dir));
    expect(me.setting).toBe('from local settings');
    expect(await (await fetch(`${host.url}/api/greeting`)).text()).toBe('read from the app folder');
  });

  it.each([
    ['an error thrown from a timer', 'throwLater', 'Worker uncaught exception'],
    ['process.exit(1)', 'exit', 'node exited with code 1 (0x1)'],
  ])(
    'survives %s: in-flight invocations fail, the worker restarts, the next request is served',
    async (_, fn, text) => {
      const { host, logger } = await start();
      const before = await whoami(host.url);
      const hanging = fetch(`${host.url}/api/hang`);
      await logger.find((e) => e.message.startsWith("Executing 'Functions.hang'"));
      const restarted = logger.find((e) => e.message === 'Restarting the language worker process.');

      expect((await fetch(`${host.url}/api/${fn}`)).status).toBe(500);
      expect((await hanging).status).toBe(500);
      await restarted;
      const after = await whoami(host.url);
      expect(after.pid).not.toBe(before.pid);

      const log = logger.messages().join('\n');
      expect(log).toContain(`Language Worker Process exited. Pid=${before.pid}.`);
      expect(log).toContain(text);
      expect(log).toMatch(/Executed 'Functions\.hang' \(Failed, Id=.*\)/);
      expect(log).toMatch(
        /Exception while executing function: Functions\.hang\. Result: Failure\nException: node exited/,
      );
    },
  );

  it('stops serving after the restart budget is spent (3 × the worker count), with the host message', async () => {
    const { host, logger } = await start();
    for (let i = 0; i < 3; i++) {
      const restarted = logger.next((e) => e.message === 'Restarting the language worker process.');
      expect((await fetch(`${host.url}/api/exit`)).status).toBe(500);
      await restarted;
    }
    const gaveUp = logger.next((e) =>
      e.message.startsWith('Exceeded language worker restart retry count for runtime:node'),
    );
    expect((await fetch(`${host.url}/api/exit`)).status).toBe(500);
    await gaveUp;
    expect((await fetch(`${host.url}/api/whoami`)).status).toBe(503);
    expect(host.isRunning()).toBe(false);
  });

  it('spreads invocations over FUNCTIONS_WORKER_PROCESS_COUNT workers', async () => {
    const { host } = await start({ FUNCTIONS_WORKER_PROCESS_COUNT: '2' });
    expect(host.workerPids()).toHaveLength(2);
    // Concurrent requests go to the least busy worker, so a burst reaches both.
    const answers = await Promise.all(Array.from({ length: 20 }, () => whoami(host.url)));
    expect(new Set(answers.map((a) => a.pid))).toEqual(new Set(host.workerPids()));
  });

  it('refuses a FUNCTIONS_WORKER_PROCESS_COUNT outside 1–10', async () => {
    await expect(start({ FUNCTIONS_WORKER_PROCESS_COUNT: '11' })).rejects.toThrow(
      "FUNCTIONS_WORKER_PROCESS_COUNT must be a whole number from 1 to 10, got '11'.",
    );
  });

  it('passes languageWorkers__node__arguments to the worker, so a debugger can attach', async () => {
    const logger = new CaptureLogger();
    const listening = logger.next((e) => e.message.startsWith('Debugger listening on ws://127.0.0.1:'));
    await start({ languageWorkers__node__arguments: '--inspect=127.0.0.1:0' }, logger);
    expect((await listening).category).toBe('Host.Function.Console');
  });
});

/** What Node read as this process started: a host environment with the same values can take a placeholder. */
function startTimeEnvironment(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => READ_AT_START.test(e[0]) && e[1] !== undefined),
  );
}

/** A placeholder forked now, with a variable in its environment that the host's settings do not have. */
function placeholderWithExtraVariable(): void {
  process.env.PLACEHOLDER_ONLY = 'from the placeholder environment';
  try {
    startPlaceholderWorker();
  } finally {
    delete process.env.PLACEHOLDER_ONLY;
  }
}

describe('a placeholder worker (started before the host, as the CLI does)', () => {
  it("becomes the app's worker with the app settings as its whole environment, in the app folder", async () => {
    placeholderWithExtraVariable();
    const { app, host } = await start(startTimeEnvironment());
    const me = await whoami(host.url);
    expect(me.startedAs).toBe('placeholder');
    expect(host.workerPids()).toEqual([me.pid]);
    expect(me.cwd).toBe(realpathSync(app.dir));
    expect(me.setting).toBe('from local settings');
    expect(me.placeholderOnly).toBeUndefined();
  });

  it('is stopped, and a worker of its own started, when the app sets Node options of its own', async () => {
    placeholderWithExtraVariable();
    const { host, logger } = await start({ ...startTimeEnvironment(), NODE_OPTIONS: '--no-deprecation' });
    const me = await whoami(host.url);
    expect(me.startedAs).toBe('worker-1');
    expect(me.placeholderOnly).toBeUndefined();
    expect(logger.messages().join('\n')).not.toContain('placeholder');
  });
});
