import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runningServices, startFunctionsHost, type FunctionsHost } from '../../local/host/index.js';
import type { ServiceBusBroker } from '../../local/servicebus/index.js';
import { CaptureLogger, reported } from './helpers/captureLogger.js';
import { copyFixture, type FixtureApp } from './helpers/fixtureApp.js';
import { startHostWithBroker } from '../support/hostWithBroker.js';

type Seen = { message: Record<string, unknown>; metadata: Record<string, unknown> };
let since = 0;
const seen = (): { processed: Seen[]; deadLetters: Seen[] } => ({
  processed: reported<Seen>(logger, 'processed', since),
  deadLetters: reported<Seen>(logger, 'deadLetter', since),
});

let app: FixtureApp;
let broker: ServiceBusBroker;
let host: FunctionsHost;
const logger = new CaptureLogger();
const executed = (name: string) => (e: { message: string }) => e.message.startsWith(`Executed 'Functions.${name}'`);

beforeAll(async () => {
  app = copyFixture('sb-app', { IsEncrypted: false, Values: {} });
  ({ broker, host } = await startHostWithBroker({ appDir: app.dir, logger }));
});

afterAll(async () => {
  await host?.close();
  await broker?.close();
  app?.remove();
});

const send = (body: unknown): Promise<Response> =>
  fetch(`${host.url}/api/send`, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

describe('serviceBus output and serviceBusTrigger on the embedded broker', () => {
  it('delivers an output object to the trigger with the extension metadata', async () => {
    const done = logger.next(executed('process'));
    expect((await send({ id: 'o-1', total: 3 })).status).toBe(202);
    expect((await done).message).toContain('(Succeeded');
    const [first] = seen().processed;
    expect(first?.message).toEqual({ id: 'o-1', total: 3 });
    expect(first?.metadata).toMatchObject({
      deliveryCount: 1,
      sequenceNumber: expect.any(Number),
      applicationProperties: {},
    });
    expect(typeof first?.metadata.messageId).toBe('string');
    expect(first?.metadata.enqueuedTimeUtc).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);
    expect(logger.messages().some((m) => m.startsWith('Trigger Details: MessageId: '))).toBe(true);
  });

  it('fans an array out into one message per element', async () => {
    since = logger.entries.length;
    let count = 0;
    const both = logger.next((e) => executed('process')(e) && ++count === 2);
    await send([{ id: 'a' }, { id: 'b' }]);
    await both;
    expect(seen().processed.map((s) => s.message.id)).toEqual(['a', 'b']);
  });

  it('abandons on failure, redelivers with a growing deliveryCount, and dead-letters after MaxDeliveryCount', async () => {
    since = logger.entries.length;
    const deadLettered = logger.next(executed('deadLetters'));
    await send({ id: 'bad', poison: true });
    await deadLettered;
    expect(seen().processed.map((s) => s.metadata.deliveryCount)).toEqual([1, 2, 3, 4, 5]);
    const [dead] = seen().deadLetters;
    expect(dead?.message).toEqual({ id: 'bad', poison: true });
    expect(dead?.metadata.deadLetterSource).toBe('orders/Subscriptions/order-processor');
    expect(dead?.metadata.applicationProperties).toMatchObject({ deadLetterReason: 'MaxDeliveryCountExceeded' });
  });

  it('puts the triggers on a real namespace connection string in error at start-up; the HTTP function runs', async () => {
    await host.close();
    const from = logger.entries.length;
    host = await startFunctionsHost({
      appDir: app.dir,
      port: 0,
      env: {},
      settingsOverrides: {
        ServiceBusConnection: 'Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=a;SharedAccessKey=b',
      },
      services: runningServices({ serviceBus: broker }),
      logger,
    });
    const inError = logger.entries.slice(from).filter((e) => e.message.includes(' function is in error: '));
    const refused = (name: string) =>
      expect.objectContaining({
        level: 'error',
        message: expect.stringMatching(
          new RegExp(
            `^The '${name}' function is in error: Function '${name}', binding '.*': setting 'ServiceBusConnection': .*real namespace "contoso`,
          ),
        ),
      });
    expect(inError).toEqual([refused('deadLetters'), refused('process')]);
    // The HTTP function still runs.
    expect(host.functions().map((f) => f.name)).toEqual(['send']);
  });
});
