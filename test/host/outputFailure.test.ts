import { appendFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { textOf, fromRpcTypedData } from '../../local/host/codec/index.js';
import { builtInExtensions, defineExtension, type FunctionsHost } from '../../local/host/index.js';
import type { ServiceBusBroker } from '../../local/servicebus/index.js';
import { CaptureLogger, reported } from './helpers/captureLogger.js';
import { copyFixture, type FixtureApp } from './helpers/fixtureApp.js';
import { startHostWithBroker } from '../support/hostWithBroker.js';

const handled = (): string[] => reported<string>(logger, 'handled');

/** An extension whose output appends its value to the file its `path` names (the fixture names /dev/full). */
const appendFileExtension = defineExtension({
  name: 'appendFile',
  bindingTypes: ['appendFile'],
  start: () => ({
    bindings: [
      {
        type: 'appendFile',
        applyOutput: (binding, value) => appendFile(String(binding.path), textOf(fromRpcTypedData(value))),
      },
    ],
  }),
});

let app: FixtureApp;
let broker: ServiceBusBroker;
let host: FunctionsHost;
const logger = new CaptureLogger();

beforeAll(async () => {
  app = copyFixture('output-failure-app', { IsEncrypted: false, Values: {} });
  ({ broker, host } = await startHostWithBroker({
    appDir: app.dir,
    extensions: [...builtInExtensions, appendFileExtension],
    logger,
  }));
});

afterAll(async () => {
  await host?.close();
  await broker?.close();
  app?.remove();
});

const post = (name: string) => fetch(`${host.url}/api/${name}`, { method: 'POST', body: `order for ${name}` });

/** The failure as the console shows it: Executed (Failed) and the exception, under the invocation's id. */
function failureLog(functionName: string, invocationId: string): string {
  const lines = logger.entries.filter(
    (e) => e.category === `Function.${functionName}` && e.invocationId === invocationId,
  );
  expect(lines.map((e) => e.message).find((m) => m.startsWith(`Executed 'Functions.${functionName}' (`))).toMatch(
    /\(Failed, Id=/,
  );
  return lines.map((e) => e.message).join('\n');
}

describe('a failed output binding fails the invocation', () => {
  it('sends and answers 202 when the output goes through', async () => {
    const response = await post('toOrders');
    expect(response.status).toBe(202);
    expect(broker.stats().find((e) => e.path === 'orders/Subscriptions/order-processor')?.active).toBe(1);
  });

  it("answers 500 problem+json, not the handler's 202, when the topic does not exist", async () => {
    const response = await post('toMissingTopic');
    expect(handled()).toContain('toMissingTopic'); // the handler ran and returned its 202 to the host
    expect(response.status).toBe(500);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { detail: string; invocationId: string };
    expect(problem.detail).toContain("its serviceBus output binding '");
    const log = failureLog('toMissingTopic', problem.invocationId);
    expect(log).toContain('Error while handling parameter');
    expect(log).toContain("The messaging entity 'no-such-topic' could not be found.");
  });

  it('answers 507 when the output fails because the disk is full (ENOSPC)', async () => {
    const response = await post('toFullDisk');
    expect(response.status).toBe(507);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    const problem = (await response.json()) as { detail: string; invocationId: string };
    expect(problem.detail).toContain('because the disk is full');
    expect(failureLog('toFullDisk', problem.invocationId)).toContain('ENOSPC');
  });

  it('answers 500 when the broker is closed', async () => {
    await broker.close();
    const response = await post('toOrders');
    expect(response.status).toBe(500);
    const problem = (await response.json()) as { invocationId: string };
    expect(failureLog('toOrders', problem.invocationId)).toContain('The Service Bus broker is closed.');
  });
});
