import { join } from 'node:path';
import { ServiceBusClient } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEntry } from '../../local/host/index.js';
import { parseTopology } from '../../local/servicebus/index.js';
import { startLocalStack, type LocalStack } from '../../local/stack/index.js';
import { CaptureLogger, reported } from '../host/helpers/captureLogger.js';
import { EMULATOR_SETTINGS, withDeadline } from '../support/stack.js';
import { appFolder, type AppFolder } from './helpers/appFolder.js';

// The queue-app fixture after an edit: `audit` (events/auditor) is gone; `notify` sends to a new queue whose trigger
// sends on to a new topic, and `mailer` listens on a new subscription of the existing topic.
const EDITED_APP = `import { app, output } from '@azure/functions';

const connection = 'ServiceBusConnection';
const jobs = output.serviceBusQueue({ connection, queueName: '%JobsQueue%' });
const alerts = output.serviceBusQueue({ connection, queueName: 'alerts' });
const receipts = output.serviceBusTopic({ connection, topicName: 'receipts' });

const accept = (to) => async (request, context) => {
  context.extraOutputs.set(to, await request.json());
  return { status: 202 };
};
app.http('enqueue', { methods: ['POST'], authLevel: 'anonymous', extraOutputs: [jobs], handler: accept(jobs) });
app.http('notify', { methods: ['POST'], authLevel: 'anonymous', extraOutputs: [alerts], handler: accept(alerts) });
app.serviceBusQueue('work', { connection, queueName: 'jobs', handler: async () => undefined });
app.serviceBusQueue('alerted', {
  connection,
  queueName: 'alerts',
  extraOutputs: [receipts],
  handler: async (message, context) => context.extraOutputs.set(receipts, message),
});
app.serviceBusTopic('archived', {
  connection,
  topicName: 'receipts',
  subscriptionName: 'archive',
  handler: async (message, context) => context.log('archived:' + JSON.stringify(message)),
});
app.serviceBusTopic('mailer', {
  connection,
  topicName: 'events',
  subscriptionName: 'mailer',
  handler: async (message, context) => context.log('mailed:' + JSON.stringify(message)),
});
`;

const isFunctionList = (e: LogEntry): boolean => e.category === 'Host.Startup' && e.message.includes('Functions:');

async function startOn(app: AppFolder, logger: CaptureLogger, inMemory: boolean): Promise<LocalStack> {
  return startLocalStack({
    appDir: app.dir,
    port: 0,
    signalrPort: 0,
    servicebusPort: 0,
    azuritePort: 0,
    inMemory,
    dataDir: join(app.parent, 'data'),
    watch: true,
    webRoot: false,
    env: { ServiceBusConnection: EMULATOR_SETTINGS.ServiceBusConnection },
    logger,
  });
}

function queueApp(): AppFolder {
  return appFolder('queue-app', {
    IsEncrypted: false,
    Values: { FUNCTIONS_WORKER_RUNTIME: 'node', JobsQueue: 'parked' },
  });
}

async function post(stack: LocalStack, route: string, body: unknown): Promise<Response> {
  return fetch(`${stack.urls.functions}/api/${route}`, { method: 'POST', body: JSON.stringify(body) });
}

describe.each([
  { mode: 'durable', inMemory: false },
  { mode: 'in memory', inMemory: true },
])('a reload that names new Service Bus entities, without servicebus.config.json ($mode)', ({ inMemory }) => {
  let app: AppFolder;
  let stack: LocalStack;
  const logger = new CaptureLogger();
  beforeAll(async () => {
    app = queueApp();
    stack = await startOn(app, logger, inMemory);
  });
  afterAll(async () => {
    await stack?.dispose();
    app?.remove();
  });

  it('gives the running broker the new entities, keeping the old ones and their messages', async () => {
    // Before: a message waits in 'parked' (no trigger there), and one in events/auditor is being handled.
    expect((await post(stack, 'enqueue', { job: 'waiting' })).status).toBe(202);
    const added = logger.next((e) => e.message.includes('now also has the entities new bindings name'));
    const reloaded = logger.next(isFunctionList);
    app.write('dist/functions.js', EDITED_APP);
    await withDeadline(reloaded, 30_000, 'the reload');

    expect((await added).level).toBe('warning');
    expect((await added).message).toMatch(
      /No servicebus\.config\.json in .*: the broker now also has the entities new bindings name \(queue 'alerts'; topic 'receipts' with subscription 'archive'; subscription 'mailer' of topic 'events'\), with the emulator's default properties\..*write them into servicebus\.config\.json/,
    );
    expect(stack.broker.peek('parked', 5).map((m) => m.body)).toEqual([{ job: 'waiting' }]);
    // The subscription whose trigger the edit removed stays, as an entity in Azure outlives the app's bindings.
    expect(stack.broker.stats().map((s) => s.path)).toEqual(
      expect.arrayContaining([
        'parked',
        'jobs',
        'events/Subscriptions/auditor',
        'alerts',
        'receipts/Subscriptions/archive',
      ]),
    );
    expect(stack.started.map((s) => s.name)).toEqual(['serviceBus']);
  });

  it('carries a message through the new output bindings to the new triggers', async () => {
    const archived = logger.find((e) => e.message.startsWith('archived:'));
    expect((await post(stack, 'notify', { alert: 1 })).status).toBe(202);
    await withDeadline(archived, 15_000, 'the new queue and topic triggers to run');
    expect(reported(logger, 'archived')).toEqual([{ alert: 1 }]);
  });

  it('delivers to the new subscription what an SDK client sends to the existing topic over AMQP', async () => {
    const client = new ServiceBusClient(stack.host.settings.ServiceBusConnection!, { retryOptions: { maxRetries: 0 } });
    try {
      const mailed = logger.find((e) => e.message.startsWith('mailed:'));
      await client.createSender('events').sendMessages({ body: { mail: 'hi' }, contentType: 'application/json' });
      await withDeadline(mailed, 15_000, 'the trigger on the new subscription to run');
      expect(reported(logger, 'mailed')).toEqual([{ mail: 'hi' }]);
      // The removed trigger's subscription still gets its copy, waiting for whoever reads it next.
      const [kept] = await client.createReceiver('events', 'auditor').peekMessages(1);
      expect(kept?.body).toEqual({ mail: 'hi' });
    } finally {
      await client.close();
    }
  });
});

describe('a reload that names an entity missing from servicebus.config.json', () => {
  let app: AppFolder;
  let stack: LocalStack;
  const logger = new CaptureLogger();
  beforeAll(async () => {
    app = queueApp();
    app.write(
      'servicebus.config.json',
      JSON.stringify({
        UserConfig: {
          Namespaces: [
            {
              Name: 'sbemulatorns',
              Queues: [{ Name: 'parked' }, { Name: 'jobs' }],
              Topics: [{ Name: 'events', Subscriptions: [{ Name: 'auditor' }] }],
            },
          ],
        },
      }),
    );
    stack = await startOn(app, logger, true);
  });
  afterAll(async () => {
    await stack?.dispose();
    app?.remove();
  });

  it('loads the app with those triggers retrying in the background, and starts them once their entities exist', async () => {
    expect((await post(stack, 'enqueue', { job: 'waiting' })).status).toBe(202);
    const entities = stack.broker.stats().map((s) => s.path);
    const unable = logger.next((e) => e.message.startsWith("The listener for function 'Functions.alerted' was unable"));
    const reloaded = logger.next(isFunctionList);
    app.write('dist/functions.js', EDITED_APP);
    const failure = await withDeadline(unable, 30_000, 'the listener failure');
    expect(failure).toMatchObject({ level: 'error', category: 'Host.Startup' });
    expect(failure.message).toContain(
      "Function 'alerted': cannot listen on 'alerts': The messaging entity 'alerts' could not be found.",
    );
    await withDeadline(reloaded, 30_000, 'the reload');

    // The rest of the app runs; the output naming the missing queue fails when used; the file's entities stay.
    expect((await post(stack, 'enqueue', { job: 'second' })).status).toBe(202);
    const response = await post(stack, 'notify', { alert: 1 });
    expect(response.status).toBe(500);
    expect(((await response.json()) as { detail: string }).detail).toMatch(/its serviceBus output binding .* failed/);
    expect(stack.broker.stats().map((s) => s.path)).toEqual(entities);
    expect(logger.messages().join('\n')).not.toMatch(/No servicebus\.config\.json/);

    // The entities appear (as ones created in Azure would): each retry that follows starts its listener.
    const started = (name: string) =>
      logger.next((e) =>
        new RegExp(`^Listener successfully started for function 'Functions.${name}' after \\d+ retries\\.$`).test(
          e.message,
        ),
      );
    const listening = Promise.all(['alerted', 'archived', 'mailer'].map(started));
    stack.broker.addEntities(
      parseTopology({
        UserConfig: {
          Namespaces: [
            {
              Name: 'sbemulatorns',
              Queues: [{ Name: 'alerts' }],
              Topics: [
                { Name: 'receipts', Subscriptions: [{ Name: 'archive' }] },
                { Name: 'events', Subscriptions: [{ Name: 'mailer' }] },
              ],
            },
          ],
        },
      }),
    );
    await withDeadline(listening, 30_000, 'the listeners to start on a retry');
    const archived = logger.next((e) => e.message.startsWith('archived:'));
    expect((await post(stack, 'notify', { alert: 2 })).status).toBe(202);
    expect((await withDeadline(archived, 10_000, 'the alert to reach the archive')).message).toBe(
      'archived:{"alert":2}',
    );
  });
});
