import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunctionsHost, type FunctionsHost } from '../../local/host/index.js';
import { ServiceBusBroker } from '../../local/servicebus/index.js';
import { localAdminMiddleware } from '../../local/stack/localAdmin.js';
import { CaptureLogger } from '../host/helpers/captureLogger.js';
import { copyFixture, type FixtureApp } from '../host/helpers/fixtureApp.js';
import { rawRequest } from '../host/helpers/rawHttp.js';
import { appTopology } from '../support/hostWithBroker.js';

/** An address of this machine that is not loopback, to reach the host as another machine would. */
const outsideAddress = Object.values(networkInterfaces())
  .flat()
  .find((i) => i && i.family === 'IPv4' && !i.internal)?.address;

let app: FixtureApp;
let broker: ServiceBusBroker;
let host: FunctionsHost;

beforeAll(async () => {
  app = copyFixture('http-app', { IsEncrypted: false, Values: {} });
  broker = await ServiceBusBroker.open({ topology: appTopology, inMemory: true });
  await broker.send('orders', [{ body: { secret: 'order details' } }]);
  host = await startFunctionsHost({
    appDir: app.dir,
    port: 0,
    hostname: '0.0.0.0', // listening everywhere, as Host.LocalHttpAddress can make it
    env: {},
    logger: new CaptureLogger(),
    // No inspector here: this file checks the guard in front of every /_local endpoint.
    middleware: [
      localAdminMiddleware(
        () => [{ name: 'servicebus', ready: async () => true }],
        () => broker,
        async () => false,
      ),
    ],
  });
});

afterAll(async () => {
  await host?.close();
  await broker?.close();
  app?.remove();
});

const view = (address: string) =>
  rawRequest(host.port, 'GET /_local/servicebus HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n', address);

describe('/_local/*', () => {
  it('answers clients on this machine', async () => {
    const response = await view('127.0.0.1');
    expect(response.status).toBe(200);
    expect(response.body).toContain('order-processor');
  });

  it.skipIf(!outsideAddress)('refuses a client on another address, whatever its Host header says', async () => {
    const response = await view(outsideAddress!);
    expect(response.status).toBe(403);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(response.body).toContain('loopback');
    expect(response.body).not.toContain('order details');
  });
});
