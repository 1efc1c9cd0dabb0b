import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient, type PeekedMessageItem, type QueueClient } from '@azure/storage-queue';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runningServices, startFunctionsHost, type FunctionsHost } from '../../local/host/index.js';
import { ManualClock } from '../../local/shared/clock.js';
import { emulatorConnectionString } from '../../local/storage/blobQueue.js';
import { useStorageEmulator } from '../support/azurite.js';
import { advanceUntil } from './helpers/advanceUntil.js';
import { CaptureLogger, reported } from './helpers/captureLogger.js';
import { copyFixture, type FixtureApp } from './helpers/fixtureApp.js';

type Work = { message: Record<string, unknown>; metadata: Record<string, unknown> };
type Upload = { text: string; isBuffer: boolean; metadata: Record<string, unknown> };
type Tick = { isPastDue: boolean; schedule: { adjustForDST: boolean }; scheduleStatus: Record<string, string> | null };

const storage = useStorageEmulator();
// On a five-minute boundary, so the schedule's occurrences are easy to name.
const clock = new ManualClock(Math.ceil(Date.now() / 300_000) * 300_000);
const logger = new CaptureLogger();
let app: FixtureApp;
let host: FunctionsHost;
let connection: string;

const settings = {
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  TickSchedule: '0 */5 * * * *',
  WEBSITE_TIME_ZONE: 'UTC',
  AzureFunctionsWebHost__hostid: 'bindings-test',
};

function start(appDir = app.dir): Promise<FunctionsHost> {
  return startFunctionsHost({
    appDir,
    port: 0,
    env: {},
    logger,
    clock,
    services: runningServices({ storage: storage() }),
  });
}

const tagged = (tag: string, test: (value: never) => boolean = () => true, from = 0) =>
  logger.find(
    (e) =>
      e.message.startsWith(`${tag}:`) &&
      logger.entries.indexOf(e) >= from &&
      test(JSON.parse(e.message.slice(tag.length + 1)) as never),
  );

beforeAll(async () => {
  app = copyFixture('storage-app', { IsEncrypted: false, Values: settings });
  connection = emulatorConnectionString(storage());
  host = await start();
});

afterAll(async () => {
  await host?.close();
  app?.remove();
});

const queues = () => QueueServiceClient.fromConnectionString(connection);
const blobs = () => BlobServiceClient.fromConnectionString(connection);
const base64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

/** The messages on `queue` once there are any; a queue not created yet counts as empty. */
async function firstMessages(queue: QueueClient): Promise<PeekedMessageItem[]> {
  for (;;) {
    const items = await queue.peekMessages().then(
      (r) => r.peekedMessageItems,
      () => [],
    );
    if (items.length > 0) return items;
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('timerTrigger', () => {
  it('fires on its NCRONTAB schedule with the timer object the library expects, and keeps its status in azure-webjobs-hosts', async () => {
    const from = logger.entries.length;
    await advanceUntil(
      clock,
      tagged('tick', () => true, from),
      10_000,
    );
    const [tick] = reported<Tick>(logger, 'tick', from);
    expect(tick).toMatchObject({ isPastDue: false, schedule: { adjustForDST: true } });
    expect(Date.parse(tick!.scheduleStatus!.next!) % 300_000).toBe(0);
    const statusBlob = blobs()
      .getContainerClient('azure-webjobs-hosts')
      .getBlobClient('timers/bindings-test/Host.Functions.tick/status');
    // The status moves on once the run has finished.
    const ran = async () => {
      for (;;) {
        const saved = JSON.parse((await statusBlob.downloadToBuffer()).toString()) as Record<string, string>;
        if (!saved.Last!.startsWith('0001')) return saved;
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    const saved = await advanceUntil(clock, ran(), 1);
    expect(Object.keys(saved)).toEqual(['Last', 'Next', 'LastUpdated']);
    expect(Date.parse(saved.Next!) - Date.parse(saved.Last!)).toBe(300_000);
  });

  it('runs now through the admin API, with the status as it stands', async () => {
    const from = logger.entries.length;
    const res = await fetch(`${host.url}/admin/functions/tick`, {
      method: 'POST',
      headers: { 'x-functions-key': host.masterKey },
      body: '{"input":""}',
    });
    expect(res.status).toBe(202);
    await advanceUntil(
      clock,
      tagged('tick', () => true, from),
      1,
    );
    expect(reported<Tick>(logger, 'tick', from)[0]).toMatchObject({
      isPastDue: false,
      scheduleStatus: { next: expect.any(String) },
    });
  });

  it('after a restart that missed an occurrence, fires once with isPastDue', async () => {
    await host.close();
    clock.advance(20 * 60_000); // three occurrences pass while no host runs
    const from = logger.entries.length;
    host = await start();
    await advanceUntil(
      clock,
      tagged('tick', () => true, from),
      1,
    );
    const ticks = reported<Tick>(logger, 'tick', from);
    expect(ticks.map((t) => t.isPastDue)).toEqual([true]);
  });
});

describe('queueTrigger and the queue, blob and table outputs', () => {
  it('processes a Base64 message with the queue metadata and writes every output', async () => {
    const from = logger.entries.length;
    const work = queues().getQueueClient('work');
    await work.createIfNotExists();
    await work.sendMessage(base64({ name: 'alpha', size: 3 }));
    await advanceUntil(
      clock,
      tagged('work', (w: Work) => w.message.name === 'alpha', from),
    );
    const [seen] = reported<Work>(logger, 'work', from);
    expect(Object.keys(seen!.metadata).sort()).toEqual(
      expect.arrayContaining([
        'dequeueCount',
        'expirationTime',
        'id',
        'insertionTime',
        'nextVisibleTime',
        'popReceipt',
        'queueTrigger',
      ]),
    );
    expect(seen!.metadata.dequeueCount).toBe(1);
    const done = queues().getQueueClient('done');
    const texts = async () =>
      (
        await done.peekMessages({ numberOfMessages: 32 }).catch(() => ({ peekedMessageItems: [] }))
      ).peekedMessageItems.map((m) => Buffer.from(m.messageText, 'base64').toString());
    await advanceUntil(
      clock,
      (async () => {
        while ((await texts()).length < 2) await new Promise((r) => setTimeout(r, 10));
      })(),
    );
    expect(await texts()).toEqual(['alpha', 'alpha-again']);
    const lookup = (await (await fetch(`${host.url}/api/lookup/alpha`)).json()) as Record<string, unknown>;
    expect(lookup.row).toMatchObject({ PartitionKey: 'work', RowKey: 'alpha', size: 3 });
    expect(lookup.rows).toHaveLength(2);
    expect(lookup.blob).toEqual({ name: 'alpha', size: 3 });
    const missing = (await (await fetch(`${host.url}/api/lookup/nobody`)).json()) as Record<string, unknown>;
    expect(missing).toMatchObject({ row: null, blob: null });
    const table = TableClient.fromConnectionString(connection, 'Work', { allowInsecureConnection: true });
    expect((await table.getEntity('work', 'alpha-copy')).size).toBe(3);
  });

  it('moves a message that keeps failing to <queue>-poison after maxDequeueCount', async () => {
    const from = logger.entries.length;
    await queues()
      .getQueueClient('work')
      .sendMessage(base64({ name: 'broken', fail: true }));
    const poison = queues().getQueueClient('work-poison');
    const [item] = await advanceUntil(clock, firstMessages(poison));
    expect(JSON.parse(Buffer.from(item!.messageText, 'base64').toString())).toEqual({ name: 'broken', fail: true });
    expect(reported<Work>(logger, 'work', from).map((w) => w.metadata.dequeueCount)).toEqual([1, 2]);
  });

  it('moves a message that is not Base64 straight to the poison queue', async () => {
    await queues().getQueueClient('work').sendMessage('not base64 at all!');
    const poison = queues().getQueueClient('work-poison');
    const found = async () => {
      for (;;) {
        const items = (await poison.peekMessages({ numberOfMessages: 32 })).peekedMessageItems;
        if (items.some((m) => m.messageText === 'not base64 at all!')) return true;
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    expect(await advanceUntil(clock, found())).toBe(true);
  });
});

describe('blobTrigger', () => {
  it('runs once per blob version with the blob and its metadata, and remembers it across a restart', async () => {
    const from = logger.entries.length;
    const uploads = blobs().getContainerClient('uploads');
    await uploads.createIfNotExists();
    await uploads.getBlockBlobClient('a.txt').upload('hello', 5);
    await advanceUntil(
      clock,
      tagged('upload', (u: Upload) => u.text === 'hello', from),
    );
    const [seen] = reported<Upload>(logger, 'upload', from);
    expect(seen).toMatchObject({ isBuffer: true, metadata: { name: 'a', blobTrigger: 'uploads/a.txt' } });
    expect(seen!.metadata).toHaveProperty('uri');
    expect(seen!.metadata).toHaveProperty('properties');

    await host.close();
    host = await start();
    const afterRestart = logger.entries.length;
    await uploads.getBlockBlobClient('a.txt').upload('hello again', 11);
    await advanceUntil(
      clock,
      tagged('upload', (u: Upload) => u.text === 'hello again', afterRestart),
    );
    expect(reported<Upload>(logger, 'upload', from).map((u) => u.text)).toEqual(['hello', 'hello again']);
  });

  it('gives up on a blob after poisonBlobThreshold failures and says so on webjobs-blobtrigger-poison', async () => {
    const from = logger.entries.length;
    await blobs().getContainerClient('uploads').getBlockBlobClient('b.txt').upload('bad', 3);
    const poison = queues().getQueueClient('webjobs-blobtrigger-poison');
    const [item] = await advanceUntil(clock, firstMessages(poison));
    expect(JSON.parse(Buffer.from(item!.messageText, 'base64').toString())).toMatchObject({
      Type: 'BlobTrigger',
      FunctionId: 'Host.Functions.upload',
      ContainerName: 'uploads',
      BlobName: 'b.txt',
    });
    expect(reported<Upload>(logger, 'upload', from).filter((u) => u.text === 'bad')).toHaveLength(2);
  });
});

describe('host.json and start-up', () => {
  it('refuses an unknown extensions.queues setting, naming it', async () => {
    const bad = copyFixture('storage-app', { IsEncrypted: false, Values: settings });
    bad.write('host.json', JSON.stringify({ version: '2.0', extensions: { queues: { batchsize: 4, maxDequeue: 3 } } }));
    try {
      await expect(start(bad.dir)).rejects.toThrow("'extensions.queues' has unknown setting(s) 'maxDequeue'");
    } finally {
      bad.remove();
    }
  });
});
