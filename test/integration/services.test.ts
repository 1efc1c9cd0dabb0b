import { randomBytes } from 'node:crypto';
import { ServiceBusClient } from '@azure/service-bus';
import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalServices, type LocalServices } from '../../local/stack/index.js';
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME } from '../../local/storage/azurite.js';
import { APP_DIR, EMULATOR_SETTINGS } from '../support/stack.js';
import { CaptureLogger } from '../host/helpers/captureLogger.js';

// `npm run services`: the stack's services without the local Functions host, for a real `func start` that reads
// the same local.settings.json. Here on free ports; the CLI uses the default ones.
describe('startLocalServices (npm run services)', () => {
  // What npm start / npm run services leave in local.settings.json: the sample's string with a key of this install.
  const key = randomBytes(32).toString('base64');
  const connectionString = EMULATOR_SETTINGS.ServiceBusConnection!.replace('SAS_KEY_VALUE', key);
  let services: LocalServices;
  beforeAll(async () => {
    services = await startLocalServices({
      appDir: APP_DIR,
      signalrPort: 0,
      azuritePort: 0,
      servicebusPort: 0,
      inMemory: true,
      env: { ...process.env, ...EMULATOR_SETTINGS, ServiceBusConnection: connectionString },
      logger: new CaptureLogger(),
    });
  });
  afterAll(() => services?.dispose());

  it('starts Azurite, SignalR and the broker with AMQP, and no Functions host', async () => {
    expect('host' in services).toBe(false);
    // func start serves the app on Host.LocalHttpPort: SignalR's upstream points there.
    expect(services.urls.functions).toBe('http://localhost:7071');
    expect((await fetch(`${services.urls.signalr}/api/health`)).status).toBe(200);
    expect((await fetch(services.urls.tableService)).status).toBeLessThan(500);
  });

  it('starts every Azurite service for the host storage, with the container a real func start keeps its state in', async () => {
    // AzureWebJobsStorage names Azurite: the host keeps its locks, timers' status and blob receipts in blobs.
    const storage = services.started.find((s) => s.name === 'storage');
    expect(storage?.urls).toHaveLength(3);
    const [, blobEndpoint] = storage!.urls;
    const blobs = new BlobServiceClient(
      blobEndpoint!,
      new StorageSharedKeyCredential(DEV_ACCOUNT_NAME, DEV_ACCOUNT_KEY),
    );
    expect(await blobs.getContainerClient('azure-webjobs-hosts').exists()).toBe(true);
    const queues = await fetch(`${storage!.urls[2]}?comp=list`);
    expect(queues.status).toBe(403); // Azurite's queue service, refusing an unsigned request
  });

  it('takes the key of the app’s emulator connection string, so func start’s Service Bus extension can connect', async () => {
    const at = (value: string) => value.replace('sb://localhost', `sb://localhost:${services.amqp.port}`);
    const client = new ServiceBusClient(at(connectionString), { retryOptions: { maxRetries: 0 } });
    const withPublicKey = new ServiceBusClient(at(EMULATOR_SETTINGS.ServiceBusConnection!), {
      retryOptions: { maxRetries: 0 },
    });
    try {
      await client.createSender('orders').sendMessages({ body: { hello: 'func start' } });
      const [message] = await client.createReceiver('orders', 'order-processor').receiveMessages(1);
      expect(message!.body).toEqual({ hello: 'func start' });
      // The sample's SAS_KEY_VALUE is public: it signs nothing here.
      await expect(withPublicKey.createSender('orders').sendMessages({ body: 'no' })).rejects.toMatchObject({
        code: 'UnauthorizedAccess',
      });
    } finally {
      await Promise.all([client.close(), withPublicKey.close()]);
    }
  });
});
