import { TableClient } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import { QueueServiceClient } from '@azure/storage-queue';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BackoffPolicy } from '../../local/shared/supervisor.js';
import { startAzurite } from '../../local/storage/azurite.js';
import { emulatorConnectionString } from '../../local/storage/blobQueue.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Logged = { message: string; level: string };

async function start(backoff: Partial<BackoffPolicy>) {
  const dataDir = mkdtempSync(join(tmpdir(), 'azurite-supervised-'));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
  const logged: Logged[] = [];
  const onLog: ((entry: Logged) => void)[] = [];
  const azurite = await startAzurite({
    port: 0,
    dataDir,
    backoff,
    log: (message, level) => {
      logged.push({ message, level });
      for (const listener of onLog) listener({ message, level });
    },
  });
  cleanups.push(() => azurite.stop());
  const table = TableClient.fromConnectionString(azurite.connectionString, 'supervised', {
    allowInsecureConnection: true,
    retryOptions: { maxRetries: 0 },
  });
  return { azurite, table, logged, onLog };
}

/** Resolves once a log line matching `pattern` has been written. */
function logLine(logged: Logged[], onLog: ((entry: Logged) => void)[], pattern: RegExp): Promise<Logged> {
  const found = logged.find((entry) => pattern.test(entry.message));
  if (found) return Promise.resolve(found);
  return new Promise((resolve) => onLog.push((entry) => pattern.test(entry.message) && resolve(entry)));
}

async function rowsOf(table: TableClient): Promise<string[]> {
  const keys: string[] = [];
  for await (const entity of table.listEntities()) keys.push(entity.rowKey!);
  return keys.sort();
}

describe('Azurite under supervision', () => {
  it('comes back by itself on the same port after its process is killed, with its data', async () => {
    const { azurite, table, logged, onLog } = await start({ initialDelayMs: 100 });
    await table.createTable();
    await table.createEntity({ partitionKey: 'p', rowKey: 'before' });
    const killed = azurite.pid!;
    process.kill(killed, 'SIGKILL');

    const back = await logLine(logged, onLog, /back on port/);
    expect(back.message).toContain(`port ${azurite.port}`);
    expect(logged.map((entry) => entry.message)).toEqual([
      expect.stringMatching(/is down \(exited with signal SIGKILL\); restarting it in 100 ms \(attempt 1 of 5\)/),
      expect.stringMatching(/back on port/),
    ]);
    expect(azurite.pid).not.toBe(killed);
    expect(await azurite.health()).toMatchObject({ state: 'running', restarts: 1, diskFull: false });
    // The same client, the same connection string: no manual restart, nothing lost.
    await table.createEntity({ partitionKey: 'p', rowKey: 'after' });
    expect(await rowsOf(table)).toEqual(['after', 'before']);
  });

  it('runs blobs and queues in the same process once asked for, and brings them back with it on their ports', async () => {
    const { azurite, table, logged, onLog } = await start({ initialDelayMs: 100 });
    const pid = azurite.pid!;
    const blobQueue = await azurite.startBlobQueue();
    expect(blobQueue.pid).toBe(pid);
    expect(await azurite.startBlobQueue()).toMatchObject({
      blobPort: blobQueue.blobPort,
      queuePort: blobQueue.queuePort,
    });
    const connection = emulatorConnectionString(blobQueue);
    const retryOptions = { maxTries: 1 };
    const container = BlobServiceClient.fromConnectionString(connection, { retryOptions }).getContainerClient('kept');
    const queue = QueueServiceClient.fromConnectionString(connection, { retryOptions }).getQueueClient('kept');
    await container.create();
    await container.getBlockBlobClient('a.txt').upload('written', 7);
    await queue.create();
    await queue.sendMessage('accepted');
    await table.createTable();

    process.kill(pid, 'SIGKILL');
    const back = await logLine(logged, onLog, /back on port/);
    expect(logged[0]?.message).toMatch(/^Azurite \(table, blob and queue services\) is down/);
    for (const port of [azurite.port, blobQueue.blobPort, blobQueue.queuePort])
      expect(back.message).toContain(String(port));
    expect(blobQueue.pid).toBe(azurite.pid);
    expect((await container.getBlobClient('a.txt').downloadToBuffer()).toString()).toBe('written');
    const { receivedMessageItems } = await queue.receiveMessages();
    expect(receivedMessageItems.map((m) => m.messageText)).toEqual(['accepted']);
    await table.createEntity({ partitionKey: 'p', rowKey: 'after' });

    // Stopping blobs and queues leaves the table service (and its process) running.
    await blobQueue.stop();
    await table.createEntity({ partitionKey: 'p', rowKey: 'still' });
    expect(azurite.pid).toBe(blobQueue.pid);
    await expect(container.exists()).rejects.toThrow();
  });

  it('next to a reused table service, runs blobs and queues in a process of its own and stops only that', async () => {
    const { azurite: owner, table } = await start({});
    const reused = await startAzurite({ port: owner.port, reuseExisting: true, inMemory: true });
    expect(reused.pid).toBeUndefined();
    const blobQueue = await reused.startBlobQueue();
    expect(blobQueue.pid).toBeDefined();
    expect(blobQueue.pid).not.toBe(owner.pid);
    const container = BlobServiceClient.fromConnectionString(emulatorConnectionString(blobQueue), {
      retryOptions: { maxTries: 1 },
    }).getContainerClient('next-to-reused');
    await container.create();
    expect(await container.exists()).toBe(true);
    await reused.stop();
    await expect(container.exists()).rejects.toThrow();
    await table.createTable(); // the reused service is somebody else's: still up
  });

  it('gives up loudly after repeated failed restarts, and health says so', async () => {
    const { azurite, logged, onLog } = await start({ initialDelayMs: 200, maxRestarts: 2 });
    // Something else takes the port the moment the process is gone, so every restart fails to listen.
    let squatter: Server | undefined;
    onLog.push(({ message }) => {
      if (squatter || !/is down/.test(message)) return;
      squatter = createServer();
      squatter.listen(azurite.port, '127.0.0.1');
    });
    cleanups.push(() => new Promise<void>((resolve) => (squatter ? squatter.close(() => resolve()) : resolve())));
    process.kill(azurite.pid!, 'SIGKILL');

    const gaveUp = await logLine(logged, onLog, /no more are tried/);
    expect(gaveUp.level).toBe('error');
    expect(gaveUp.message).toMatch(/failed 2 restarts in a row \(.*EADDRINUSE.*\)/);
    expect(logged.filter((entry) => /restarting it in/.test(entry.message))).toHaveLength(2);
    expect(await azurite.health()).toMatchObject({ state: 'failed', restarts: 0 });
    expect(azurite.pid).toBeUndefined();
  }, 30_000);
});
