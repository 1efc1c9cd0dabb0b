import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local/stack/index.js';
import { freePort } from '../../local/shared/freePort.js';
import { CaptureLogger, reported } from '../host/helpers/captureLogger.js';
import { EMULATOR_SETTINGS, withDeadline } from '../support/stack.js';
import { appFolder, httpTimerApp, listening, type AppFolder } from './helpers/appFolder.js';

type Health = { parts: { name: string; ready: boolean }[] };

// Another app folder through the library: only the services its settings and bindings need start.
describe('startLocalStack on an app with only an HTTP function and a timer', () => {
  let app: AppFolder;
  let stack: LocalStack;
  let ports: { signalr: number; servicebus: number };
  beforeAll(async () => {
    app = httpTimerApp('world');
    // Ports named on purpose, so the test can see that nothing opened them.
    ports = { signalr: await freePort(), servicebus: await freePort() };
    stack = await startLocalStack({
      appDir: app.dir,
      port: 0,
      signalrPort: ports.signalr,
      servicebusPort: ports.servicebus,
      azuritePort: 0,
      inMemory: true,
      webRoot: false,
      env: {},
      logger: new CaptureLogger(),
    });
  });
  afterAll(async () => {
    await stack?.dispose();
    app?.remove();
  });

  it('answers its HTTP route from a worker whose cwd is the app root and whose environment is its settings', async () => {
    const response = await fetch(`${stack.urls.functions}/api/hello`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ message: 'Hello, world!', cwd: app.dir, startedAs: 'worker-1' });
  });

  it('starts Azurite for its storage settings and its timer, and neither a broker nor a SignalR service', async () => {
    expect(stack.started.map((s) => s.name)).toEqual(['storage']);
    const [storage] = stack.started;
    expect(storage!.reasons.join('; ')).toMatch(/AzureWebJobsStorage name Azurite.*used by tick \(timerTrigger\)/);
    expect(storage!.urls).toHaveLength(3); // tables, and blobs and queues for the timer's status
    expect(() => stack.broker).toThrow(/Service Bus broker was not started: no function has a Service Bus binding/);
    expect(() => stack.urls.signalr).toThrow(/SignalR service was not started/);
    expect(await listening(ports.signalr)).toBe(false);
    expect(await listening(ports.servicebus)).toBe(false);
  });

  it('reports in /_local what runs, and answers the broker view 503 saying why it does not', async () => {
    const health = (await (await fetch(`${stack.urls.functions}/_local/health`)).json()) as Health;
    expect(health.parts.map((p) => [p.name, p.ready])).toEqual([
      ['storage', true],
      ['functions', true],
    ]);
    const view = await fetch(`${stack.urls.functions}/_local/servicebus`);
    expect(view.status).toBe(503);
    expect(((await view.json()) as { detail: string }).detail).toMatch(/no servicebus.config.json/);
  });
});

describe('startLocalStack on an app with Service Bus bindings and no servicebus.config.json', () => {
  let app: AppFolder;
  let stack: LocalStack;
  const logger = new CaptureLogger();
  beforeAll(async () => {
    app = appFolder('queue-app', {
      IsEncrypted: false,
      Values: { FUNCTIONS_WORKER_RUNTIME: 'node', JobsQueue: 'jobs' },
    });
    stack = await startLocalStack({
      appDir: app.dir,
      port: 0,
      signalrPort: 0,
      servicebusPort: 0,
      azuritePort: 0,
      inMemory: true,
      webRoot: false,
      env: { ServiceBusConnection: EMULATOR_SETTINGS.ServiceBusConnection },
      logger,
    });
  });
  afterAll(async () => {
    await stack?.dispose();
    app?.remove();
  });

  it('gives the broker the entities the bindings name, says so, and starts nothing else', async () => {
    expect(stack.started.map((s) => s.name)).toEqual(['serviceBus']);
    expect(stack.started[0]!.reasons[0]).toMatch(/used by audit \(serviceBusTrigger\), enqueue \(serviceBus\), work/);
    expect(logger.messages().join('\n')).toMatch(
      /No servicebus\.config\.json in .*queue 'jobs'; topic 'events' with subscription 'auditor'.*write them into servicebus\.config\.json/,
    );
    expect(stack.broker.stats().map((e) => e.path)).toEqual(
      expect.arrayContaining(['jobs', 'events/Subscriptions/auditor']),
    );
  });

  it('carries a message from the HTTP function through the queue to its trigger', async () => {
    const worked = logger.find((e) => e.message.startsWith('worked:'));
    const response = await fetch(`${stack.urls.functions}/api/enqueue`, { method: 'POST', body: '{"job":7}' });
    expect(response.status).toBe(202);
    await withDeadline(worked, 10_000, 'the queue trigger to run');
    expect(reported(logger, 'worked')).toEqual([{ job: 7 }]);
  });
});
