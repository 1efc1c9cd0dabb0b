import { afterEach, describe, expect, it } from 'vitest';
import { startFunctionsHost, type FunctionsHost } from '../../local/host/index.js';
import { CaptureLogger, reported } from './helpers/captureLogger.js';
import { copyFixture, type FixtureApp } from './helpers/fixtureApp.js';

type Warmed = { name: string; warmupContext: unknown };

let app: FixtureApp | undefined;
let host: FunctionsHost | undefined;
let logger: CaptureLogger;

afterEach(async () => {
  await host?.close();
  app?.remove();
  host = undefined;
  app = undefined;
});

/** The warmup-app with its warmup function under `WARMUP_NAME` ('none': no warmup trigger at all). */
async function start(env: Record<string, string> = {}): Promise<FunctionsHost> {
  app = copyFixture('warmup-app');
  logger = new CaptureLogger();
  host = await startFunctionsHost({ appDir: app.dir, port: 0, env, logger });
  return host;
}

const warmup = (h: FunctionsHost, method = 'GET') => fetch(`${h.url}/admin/warmup`, { method });
const executions = (name: string) => logger.messages((e) => e.message.startsWith(`Executing 'Functions.${name}'`));

describe('warmup trigger', () => {
  it('runs the warmup function once per load of the app from /admin/warmup, with no key and an empty context', async () => {
    const h = await start();
    expect(logger.messages((e) => e.message.includes(' function is in error: '))).toEqual([]);
    expect(h.functions().map((f) => [f.name, f.trigger.type])).toEqual([
      ['hello', 'httpTrigger'],
      ['WarmUp', 'warmupTrigger'],
    ]);
    const listed = await fetch(`${h.url}/admin/functions`, { headers: { 'x-functions-key': h.masterKey } });
    expect(((await listed.json()) as { name: string }[]).map((f) => f.name)).toEqual(['hello', 'WarmUp']);

    // A page on another site cannot make it run, not even with a link (the browser says where it came from).
    const crossSite: Record<string, string>[] = [
      { origin: 'http://elsewhere.example' },
      { 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of crossSite) {
      const refused = await fetch(`${h.url}/admin/warmup`, { headers });
      expect(refused.status).toBe(403);
      expect(refused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    expect(executions('WarmUp')).toEqual([]);

    // The name matches ignoring case, as the host's check does; any method is routed.
    const first = await warmup(h);
    expect([first.status, await first.text()]).toEqual([200, '']);
    expect(reported<Warmed>(logger, 'warmed')).toEqual([{ name: 'WarmUp', warmupContext: {} }]);
    expect(executions('WarmUp')).toEqual([
      expect.stringContaining("Reason='This function was programmatically called via the host APIs.'"),
    ]);
    const second = await warmup(h, 'POST');
    expect([second.status, await second.text()]).toEqual([200, '']);
    expect(executions('WarmUp')).toHaveLength(1);
    expect(await (await fetch(`${h.url}/api/hello`)).text()).toBe('hello');

    // A reload starts new workers, which are warmed once again.
    await h.reload();
    expect((await warmup(h)).status).toBe(200);
    expect((await warmup(h)).status).toBe(200);
    expect(executions('WarmUp')).toHaveLength(2);
  });

  it('runs a warmup function from the admin API too, with the same empty context', async () => {
    const h = await start();
    const ran = logger.next((e) => e.message.startsWith("Executed 'Functions.WarmUp' (Succeeded"));
    const admin = await fetch(`${h.url}/admin/functions/WarmUp`, {
      method: 'POST',
      headers: { 'x-functions-key': h.masterKey, 'content-type': 'application/json' },
      body: JSON.stringify({ input: 'anything' }),
    });
    expect(admin.status).toBe(202);
    await ran;
    expect(reported<Warmed>(logger, 'warmed')).toEqual([{ name: 'WarmUp', warmupContext: {} }]);
    // An admin run is not the warmup call: /admin/warmup still runs it once.
    await warmup(h);
    expect(executions('WarmUp')).toHaveLength(2);
  });

  it('never runs a warmup trigger under another name from /admin/warmup, which answers 200', async () => {
    const h = await start({ WARMUP_NAME: 'primeCaches' });
    expect(h.functions().map((f) => f.name)).toEqual(['hello', 'primeCaches']);
    for (const method of ['GET', 'POST']) {
      const response = await warmup(h, method);
      expect([response.status, await response.text()]).toEqual([200, '']);
    }
    expect(executions('primeCaches')).toEqual([]);
    expect(reported(logger, 'warmed')).toEqual([]);
  });

  it('answers /admin/warmup 200 for an app with no warmup trigger at all', async () => {
    const h = await start({ WARMUP_NAME: 'none' });
    expect(h.functions().map((f) => f.name)).toEqual(['hello']);
    const response = await warmup(h);
    expect([response.status, await response.text()]).toEqual([200, '']);
    expect(logger.messages((e) => e.message.startsWith('Executing '))).toEqual([]);
  });

  it('answers a failed warmup as a failed invocation, logged, and runs it no more', async () => {
    const h = await start({ WARMUP_FAILS: 'true' });
    const failed = await warmup(h);
    expect(failed.status).toBe(500);
    expect(failed.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await failed.json()) as { detail: string; invocationId: string };
    expect(problem.detail).toContain("The function 'WarmUp' did not complete");
    expect(logger.entries).toContainEqual(
      expect.objectContaining({
        level: 'error',
        invocationId: problem.invocationId,
        message: expect.stringContaining('The cache could not be primed.'),
      }),
    );
    expect((await warmup(h)).status).toBe(200);
    expect(executions('WarmUp')).toHaveLength(1);
  });
});
