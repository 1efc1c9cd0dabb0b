import { TableClient } from '@azure/data-tables';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { azuriteEndpoints, startAzurite } from '../../local/storage/azurite.js';
import { freePort } from '../../local/shared/freePort.js';
import { newOrder } from '../../src/orders/order.js';
import { ConcurrencyError, OrderStore } from '../../src/orders/orderStore.js';
import { StorageUnavailableError } from '../../src/platform/tableStorage.js';
import { answeringStorageOutages, STORAGE_RETRY_AFTER_SECONDS } from '../../src/platform/storageOutage.js';
import { tmpfsTestName, tmpfsUnavailable, withTmpfs } from '../support/tmpfs.js';

/** The app's store over a table client that makes one attempt per call, so each failure shows at once. */
function storeAt(connectionString: string): OrderStore {
  return new OrderStore(
    TableClient.fromConnectionString(connectionString, 'outage', {
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 },
    }),
  );
}

const order = (orderId: string) =>
  newOrder({
    orderId,
    userId: 'ann',
    items: [{ sku: 'MUG-CERAMIC', quantity: 1 }],
    note: 'n'.repeat(500),
    now: new Date(),
  });

describe('the order store when storage is unavailable', () => {
  it('reports storage that cannot be reached as StorageUnavailableError', async () => {
    const store = storeAt(azuriteEndpoints('127.0.0.1', await freePort()).connectionString);
    await expect(store.get('ann', 'x')).rejects.toMatchObject({
      name: 'StorageUnavailableError',
      status: undefined,
      code: 'ECONNREFUSED',
    });
  });

  it.skipIf(tmpfsUnavailable)(
    tmpfsTestName('reports a write refused for want of disk space (507) as StorageUnavailableError, and still reads'),
    () =>
      withTmpfs(2 * 1024 * 1024, async (disk) => {
        const azurite = await startAzurite({ port: 0, dataDir: join(disk.dir, 'azurite'), log: () => undefined });
        try {
          const store = storeAt(azurite.connectionString);
          await store.table.createTable();
          await store.create(order('00000000-0000-4000-8000-000000000001'));
          disk.fill('ballast', 0);
          let refused: unknown;
          for (let i = 2; i < 50 && !refused; i++) {
            await store
              .create(order(`00000000-0000-4000-8000-${String(i).padStart(12, '0')}`))
              .catch((e: unknown) => (refused = e));
          }
          expect(refused).toBeInstanceOf(StorageUnavailableError);
          expect(refused).toMatchObject({ status: 507 });
          expect((await store.get('ann', '00000000-0000-4000-8000-000000000001'))?.order.status).toBe('Accepted');
        } finally {
          await azurite.stop();
        }
      }),
  );
});

describe('answeringStorageOutages', () => {
  it('answers an outage with 503 problem+json and Retry-After, having done nothing', async () => {
    const store = storeAt(azuriteEndpoints('127.0.0.1', await freePort()).connectionString);
    const handler = answeringStorageOutages(async () => {
      await store.get('ann', 'x');
      return { status: 200 };
    });
    const response = await handler();
    expect(response.status).toBe(503);
    expect(response.headers).toEqual({
      'content-type': 'application/problem+json',
      'retry-after': String(STORAGE_RETRY_AFTER_SECONDS),
    });
    expect(JSON.parse(response.body as string)).toMatchObject({
      type: 'about:blank',
      title: 'Service Unavailable',
      status: 503,
      detail: expect.stringContaining('try again'),
    });
  });

  it('lets every other failure through, to fail the invocation', async () => {
    const handler = answeringStorageOutages(async () => {
      throw new ConcurrencyError('changed meanwhile');
    });
    await expect(handler()).rejects.toThrow(ConcurrencyError);
  });
});
