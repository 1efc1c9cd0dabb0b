import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunctionsHost, type FunctionsHost } from '../../local/host/index.js';
import { manualTrigger, withTestExtension } from './helpers/testExtension.js';
import { CaptureLogger } from './helpers/captureLogger.js';
import { copyFixture, type FixtureApp } from './helpers/fixtureApp.js';

/**
 * `gated` holds each call until `release` (a non-HTTP function, so the HTTP limits do not apply to it) lets the
 * oldest one go; both run in the app's worker and share its module state. `gated` logs how many calls run at once.
 */
const GATED_FUNCTION = `import { app, trigger } from '@azure/functions';
const held = [];
let running = 0;
app.http('gated', {
  methods: ['GET'],
  handler: async (_request, context) => {
    running++;
    context.log('entered:' + running);
    await new Promise((resolve) => held.push(resolve));
    running--;
    return { body: 'done' };
  },
});
app.generic('release', {
  trigger: trigger.generic({ type: 'testGateTrigger' }),
  handler: async () => held.shift()?.(),
});
`;
const release = () => host.invoke('release', { triggerData: { string: '' }, reason: 'test' });

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
  host = await startFunctionsHost({
    appDir: app.dir,
    port: 0,
    env: {},
    logger,
    extensions: withTestExtension(manualTrigger('testGateTrigger')),
  });
});

afterAll(async () => {
  await host?.close();
  app?.remove();
});

const entered = (): Promise<unknown> => logger.next((e) => e.message.startsWith('entered:'));

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

    await release();
    expect(await (await first).text()).toBe('done');
    await next; // the queued request starts only now
    await release();
    const answers = await Promise.all([second, third]);
    expect(answers.map((r) => r.status).sort()).toEqual([200, 429]);
    expect(logger.messages().filter((m) => m.startsWith('entered:'))).toEqual(['entered:1', 'entered:1']);
  });

  it('says at start-up that dynamic throttles are not emulated', () => {
    expect(logger.messages().some((m) => m.includes("'extensions.http.dynamicThrottlesEnabled' is not emulated"))).toBe(
      true,
    );
  });
});
