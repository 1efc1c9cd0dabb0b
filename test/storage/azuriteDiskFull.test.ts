import { TableClient } from '@azure/data-tables';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startAzurite } from '../../local/storage/azurite.js';
import { pollUntil } from '../support/stack.js';
import { tmpfsTestName, tmpfsUnavailable, withTmpfs, type Tmpfs } from '../support/tmpfs.js';

/** An entity of about 90 kB: three string properties just under the table service's 64 KiB limit each. */
function bulky(rowKey: string, value: number) {
  const text = 'x'.repeat(30_000);
  return { partitionKey: 'p', rowKey, value, a: text, b: text, c: text };
}

describe('Azurite on a full disk', () => {
  it.skipIf(tmpfsUnavailable)(
    tmpfsTestName(
      'answers 507 to a write it cannot journal, shows nothing of it, serves reads, and writes again once there is room',
    ),
    () => withTmpfs(2 * 1024 * 1024, fillAndRecover),
    60_000,
  );
});

async function fillAndRecover(disk: Tmpfs): Promise<void> {
  const azurite = await startAzurite({ port: 0, dataDir: join(disk.dir, 'azurite'), log: () => undefined });
  try {
    // No SDK retries: each call below is one request, and a kill shows at once.
    const table = TableClient.fromConnectionString(azurite.connectionString, 'full', {
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 },
    });
    await table.createTable();
    await table.createEntity({ partitionKey: 'p', rowKey: 'kept', value: 1 });
    const ballast = disk.fill('ballast', 16 * 1024);

    const insufficient = { statusCode: 507, message: expect.stringContaining('InsufficientStorage') };
    await expect(table.createEntity(bulky('big', 1))).rejects.toMatchObject(insufficient);
    await expect(table.getEntity('p', 'big')).rejects.toMatchObject({ statusCode: 404 });
    // Settled for a moment: a small write is turned away before it changes anything.
    await expect(table.createEntity({ partitionKey: 'p', rowKey: 'small' })).rejects.toMatchObject(insufficient);
    expect(await azurite.health()).toMatchObject({
      state: 'running',
      diskFull: true,
      lastWriteError: expect.stringContaining('ENOSPC'),
    });
    expect((await table.getEntity<{ value: number }>('p', 'kept')).value).toBe(1);

    rmSync(ballast);
    await pollUntil(async () => ((await azurite.health()).diskFull ? undefined : true), {
      timeoutMs: 10_000,
      what: 'Azurite to take writes again once the disk has room',
    });
    // A replace (remove + insert inside Azurite) that fits now.
    await table.updateEntity(bulky('kept', 2), 'Replace');
    await table.createEntity({ partitionKey: 'p', rowKey: 'after', value: 3 });

    // kill -9: the restarted process replays exactly the acknowledged writes.
    const killed = azurite.pid!;
    process.kill(killed, 'SIGKILL');
    const values = await pollUntil(
      async () => {
        try {
          const entities: Record<string, number> = {};
          for await (const entity of table.listEntities<{ value: number }>()) entities[entity.rowKey!] = entity.value;
          return entities;
        } catch {
          return undefined; // still restarting
        }
      },
      { timeoutMs: 20_000, what: 'the restarted Azurite to answer' },
    );
    expect(values).toEqual({ kept: 2, after: 3 });
    expect(azurite.pid).not.toBe(killed);
  } finally {
    await azurite.stop();
  }
}
