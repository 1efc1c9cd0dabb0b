import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { useStorageEmulator } from '../support/azurite.js';

// The built host (dist/), as `npm start` runs it: its storage SDKs come from the one-file bundles of dist/local/lazy.
const built = '../../dist/local/host/extensions/shared/storageAccount.js';
const { storageAccount } = (await import(
  built
)) as typeof import('../../local/host/extensions/shared/storageAccount.js');

const storage = useStorageEmulator();
const lazyDir = fileURLToPath(new URL('../../dist/local/lazy/', import.meta.url));

function loadedFromBundle(file: string): boolean {
  return Object.keys(createRequire(import.meta.url).cache).includes(`${lazyDir}${file}`);
}

describe('the built host loads the bundled Storage SDKs', () => {
  const account = () =>
    storageAccount(
      '',
      (name) => (name === 'AzureWebJobsStorage' ? 'UseDevelopmentStorage=true' : undefined),
      storage(),
      'test',
    );

  it('writes and reads a blob through the bundled Blob SDK', async () => {
    const container = account().blobs().getContainerClient('lazy-sdk');
    await container.createIfNotExists();
    await container.getBlockBlobClient('a.txt').upload('hello', 5);
    const body = await container.getBlockBlobClient('a.txt').downloadToBuffer();
    expect(body.toString('utf8')).toBe('hello');
    expect(loadedFromBundle('azure-storage-blob.cjs')).toBe(true);
  });

  it('sends and receives a queue message through the bundled Queue SDK', async () => {
    const queue = account().queues().getQueueClient('lazy-sdk');
    await queue.createIfNotExists();
    await queue.sendMessage('ping');
    const { receivedMessageItems } = await queue.receiveMessages();
    expect(receivedMessageItems.map((m) => m.messageText)).toEqual(['ping']);
    expect(loadedFromBundle('azure-storage-queue.cjs')).toBe(true);
  });

  it('stores and reads an entity through the bundled Tables SDK, refusing a stale ETag', async () => {
    const table = account().table('lazysdk');
    await table.createTable();
    await table.createEntity({ partitionKey: 'p', rowKey: 'r', n: 1 });
    const entity = await table.getEntity<{ n: number }>('p', 'r');
    expect(entity.n).toBe(1);
    await table.updateEntity({ partitionKey: 'p', rowKey: 'r', n: 2 }, 'Replace', { etag: entity.etag });
    await expect(
      table.updateEntity({ partitionKey: 'p', rowKey: 'r', n: 3 }, 'Replace', { etag: entity.etag }),
    ).rejects.toMatchObject({ name: 'RestError', statusCode: 412 });
    expect(loadedFromBundle('azure-data-tables.cjs')).toBe(true);
  });
});
