import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runningServices, startFunctionsHost, type FunctionsHost } from '../../local/host/index.js';
import { ManualClock } from '../../local/shared/clock.js';
import { emulatorConnectionString } from '../../local/storage/blobQueue.js';
import { useStorageEmulator } from '../support/azurite.js';
import { advanceUntil } from './helpers/advanceUntil.js';
import { CaptureLogger, reported } from './helpers/captureLogger.js';
import { copyFixture, type FixtureApp } from './helpers/fixtureApp.js';

const storage = useStorageEmulator();
const clock = new ManualClock(Date.now());
const logger = new CaptureLogger();
let app: FixtureApp;
let host: FunctionsHost;

/** Each connection form Microsoft documents for the storage bindings, every one of them naming Azurite. */
function settings(): Record<string, string> {
  const { blobEndpoint, queueEndpoint, tableEndpoint } = storage();
  return {
    // The host's own storage (timer status, blob receipts) by identity, as `npm run deploy` sets it in Azure.
    AzureWebJobsStorage__blobServiceUri: blobEndpoint,
    AzureWebJobsStorage__queueServiceUri: queueEndpoint,
    AzureWebJobsStorage__tableServiceUri: tableEndpoint,
    // A connection string with Azurite's explicit endpoints.
    Explicit: emulatorConnectionString(storage()),
    // The identity-based form for several services under one prefix.
    Identity__blobServiceUri: blobEndpoint,
    Identity__queueServiceUri: queueEndpoint,
    Identity__tableServiceUri: tableEndpoint,
    Identity__credential: 'managedidentity',
    // The single-service form: `__serviceUri` names the one service of the binding that uses the connection.
    QueuesOnly__serviceUri: queueEndpoint,
    BlobsOnly__serviceUri: `${blobEndpoint}/`,
    TablesOnly__serviceUri: tableEndpoint,
  };
}

/** The "function is in error" lines logged from entry `from` on. */
const inErrorSince = (from: number): string[] =>
  logger.entries
    .slice(from)
    .filter((e) => e.level === 'error' && e.message.includes(' function is in error: '))
    .map((e) => e.message);

function start(env: Record<string, string> = {}): Promise<FunctionsHost> {
  return startFunctionsHost({
    appDir: app.dir,
    port: 0,
    env,
    logger,
    clock,
    services: runningServices({ storage: storage() }),
  });
}

beforeAll(async () => {
  app = copyFixture('storage-connections-app', { IsEncrypted: false, Values: settings() });
  host = await start();
});

afterAll(async () => {
  await host?.close();
  app?.remove();
});

describe('storage connections that point at Azurite', () => {
  it.each(['explicit', 'identity', 'single'])(
    '%s: a queue output, the queue trigger, blob and table outputs and inputs, and the blob trigger all work',
    async (connection) => {
      const submitted = await fetch(`${host.url}/api/${connection}/submit/a1`, { method: 'POST' });
      expect(submitted.status).toBe(202);
      const lookup = async () => {
        for (;;) {
          const found = (await (await fetch(`${host.url}/api/${connection}/lookup/a1`)).json()) as {
            blob: string | null;
            row: string | null;
          };
          if (found.blob !== null && found.row !== null) return found;
        }
      };
      expect(await advanceUntil(clock, lookup())).toEqual({ blob: 'copy of a1', row: 'row of a1' });

      const from = logger.entries.length;
      const inbox = BlobServiceClient.fromConnectionString(emulatorConnectionString(storage())).getContainerClient(
        `inbox-${connection}`,
      );
      await inbox.createIfNotExists();
      await inbox.getBlockBlobClient('hello.txt').upload('hello', 5);
      const seen = new Promise<void>((resolve) => {
        const check = () => reported(logger, 'inbox', from).length > 0;
        if (check()) resolve();
        else void logger.next(check).then(() => resolve());
      });
      await advanceUntil(clock, seen, 1000);
      expect(reported(logger, 'inbox', from)).toEqual([
        { connection: { explicit: 'Explicit', identity: 'Identity', single: 'Single' }[connection], name: 'hello.txt' },
      ]);
    },
  );

  it('puts a queue trigger whose identity-based URI is not on this machine in error, naming the setting', async () => {
    const from = logger.entries.length;
    const other = await start({ Identity__queueServiceUri: 'https://account.queue.core.windows.net' });
    try {
      expect(inErrorSince(from)).toEqual([
        expect.stringMatching(
          /^The 'identityWork' function is in error: .*'Identity__queueServiceUri' \(https:\/\/account\.queue\.core\.windows\.net\) is not Azurite/,
        ),
      ]);
      const names = other.functions().map((f) => f.name);
      expect(names).toEqual(
        host
          .functions()
          .map((f) => f.name)
          .filter((name) => name !== 'identityWork'),
      );
    } finally {
      await other.close();
    }
  });

  it('puts a queue trigger on an account name alone, which names a real account, in error and says what to set', async () => {
    const appWithName = copyFixture('storage-connections-app', {
      IsEncrypted: false,
      Values: { ...settings(), QueuesOnly__serviceUri: undefined, QueuesOnly__accountName: 'mystorageaccount' },
    });
    const from = logger.entries.length;
    const other = await startFunctionsHost({
      appDir: appWithName.dir,
      port: 0,
      env: {},
      logger,
      clock,
      services: runningServices({ storage: storage() }),
    });
    try {
      expect(inErrorSince(from)).toEqual([
        expect.stringMatching(
          /^The 'singleWork' function is in error: .*'QueuesOnly__accountName' names a real storage account.*Set 'QueuesOnly' to UseDevelopmentStorage=true/,
        ),
      ]);
      expect(other.functions().map((f) => f.name)).not.toContain('singleWork');
    } finally {
      await other.close();
      appWithName.remove();
    }
  });
});
