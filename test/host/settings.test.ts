import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseHostJson } from '../../local/host/hostJson.js';
import { parseServiceBusOptions } from '../../local/host/extensions/serviceBus/options.js';
import { startFunctionsHost, type FunctionsHost, type HttpMiddleware } from '../../local/host/index.js';
import { CaptureLogger } from './helpers/captureLogger.js';
import { copyFixture, type FixtureApp } from './helpers/fixtureApp.js';

let app: FixtureApp;
let host: FunctionsHost;
const logger = new CaptureLogger();
const previousLayerA = process.env.LayerA;

const webClient: HttpMiddleware = async (req: IncomingMessage, res: ServerResponse) => {
  if (req.url === '/web') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('web client');
    return true;
  }
  req.headers['x-injected'] = 'from-middleware';
  return false;
};

beforeAll(async () => {
  app = copyFixture('settings-app', {
    IsEncrypted: false,
    Values: { LayerA: 'values', LayerB: 'values', AzureWebJobsDisableHomepage: 'true', Flag: true },
    ConnectionStrings: { Db: 'Server=x' },
  });
  host = await startFunctionsHost({
    appDir: app.dir,
    port: 0,
    env: { LayerA: 'env' },
    settingsOverrides: { LayerA: 'stack', LayerB: 'stack', LayerC: 'stack' },
    logger,
    middleware: [webClient],
  });
});

afterAll(async () => {
  await host?.close();
  app?.remove();
});

describe('settings as func start applies them', () => {
  it('gives real env > local.settings.json Values > stack overrides > defaults, in process.env before load', async () => {
    const names =
      'LayerA,LayerB,LayerC,Flag,ConnectionStrings:Db,FUNCTIONS_WORKER_RUNTIME,AZURE_FUNCTIONS_ENVIRONMENT,WEBSITE_HOSTNAME';
    const res = await fetch(`${host.url}/env?names=${names}`);
    expect(await res.json()).toEqual({
      atLoad: 'env',
      values: {
        LayerA: 'env',
        LayerB: 'values',
        LayerC: 'stack',
        Flag: 'True',
        'ConnectionStrings:Db': 'Server=x',
        FUNCTIONS_WORKER_RUNTIME: 'node',
        AZURE_FUNCTIONS_ENVIRONMENT: 'Development',
        WEBSITE_HOSTNAME: `localhost:${host.port}`,
      },
    });
    expect(logger.messages()).toContain(
      "Skipping 'LayerA' from local settings as it's already defined in current environment variables.",
    );
  });

  it('uses an empty routePrefix from host.json', async () => {
    expect((await fetch(`${host.url}/api/env`)).status).toBe(404);
  });

  it('runs middleware before routing: it may answer, or change request headers', async () => {
    expect(await (await fetch(`${host.url}/web`)).text()).toBe('web client');
    expect(await (await fetch(`${host.url}/whoami`)).text()).toBe('from-middleware');
  });

  it('answers 204 at GET / when AzureWebJobsDisableHomepage=true', async () => {
    expect((await fetch(`${host.url}/`)).status).toBe(204);
  });

  it('restores process.env on close', async () => {
    await host.close();
    expect(process.env.LayerA).toBe(previousLayerA);
    expect(process.env.LayerC).toBeUndefined();
  });
});

describe('host.json validation', () => {
  it('requires version 2.0 with the host messages', () => {
    expect(() => parseHostJson('{}', 'host.json')).toThrow("missing the required 'version' property");
    expect(() => parseHostJson('{"version":"1.0"}', 'host.json')).toThrow(
      "'1.0' is an invalid value for host.json 'version' property",
    );
    expect(() => parseHostJson('{"version":', 'host.json')).toThrow(
      "Unable to parse host configuration file 'host.json'",
    );
  });

  it('reads routePrefix, and leaves the Service Bus section to its extension, which rejects bad values clearly', () => {
    const config = parseHostJson(
      JSON.stringify({
        version: '2.0',
        extensions: {
          http: { routePrefix: '/v1/' },
          serviceBus: { maxConcurrentCalls: 2, autoCompleteMessages: false, maxAutoLockRenewalDuration: '00:01:30' },
        },
      }),
      'host.json',
    );
    expect(config.http.routePrefix).toBe('v1');
    const section = config.extensionSections.get('servicebus') ?? {};
    expect(parseServiceBusOptions(section, 'extensions.serviceBus')).toEqual({
      maxConcurrentCalls: 2,
      autoCompleteMessages: false,
      maxAutoLockRenewalDurationMs: 90_000,
      notEmulated: [],
    });
    expect(() => parseServiceBusOptions({ maxConcurrentCalls: 0 }, 'extensions.serviceBus')).toThrow(
      "'extensions.serviceBus.maxConcurrentCalls' must be a positive integer",
    );
  });

  it('refuses unknown keys in an extension section, naming them and the known ones; keys ignore case', () => {
    expect(() => parseServiceBusOptions({ prefechCount: 0 }, 'extensions.serviceBus')).toThrow(
      /'extensions.serviceBus' has unknown setting\(s\) 'prefechCount' \(known: maxConcurrentCalls, .*prefetchCount/,
    );
    expect(parseServiceBusOptions({ MaxConcurrentCalls: 3, prefetchCount: 0 }, 'x').maxConcurrentCalls).toBe(3);
    expect(parseServiceBusOptions({ maxMessageBatchSize: 10 }, 'x').notEmulated).toEqual(['maxMessageBatchSize']);
    expect(parseServiceBusOptions({ maxAutoLockRenewalDuration: '-00:00:00.0010000' }, 'x')).toMatchObject({
      maxAutoLockRenewalDurationMs: Infinity,
    });
  });

  it('reads the HTTP request limits (unbounded by default) and rejects values that are neither -1 nor positive', () => {
    expect(parseHostJson('{"version":"2.0"}', 'host.json').http).toMatchObject({
      maxConcurrentRequests: -1,
      maxOutstandingRequests: -1,
      dynamicThrottlesEnabled: false,
    });
    const limits = { maxConcurrentRequests: 4, maxOutstandingRequests: -1, dynamicThrottlesEnabled: true };
    expect(
      parseHostJson(JSON.stringify({ version: '2.0', extensions: { http: limits } }), 'host.json').http,
    ).toMatchObject(limits);
    for (const bad of [0, -2, 1.5, '10']) {
      expect(() =>
        parseHostJson(
          JSON.stringify({ version: '2.0', extensions: { http: { maxOutstandingRequests: bad } } }),
          'host.json',
        ),
      ).toThrow("'extensions.http.maxOutstandingRequests' must be a positive integer, or -1 for no limit");
    }
  });
});
