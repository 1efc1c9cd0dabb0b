import { TableClient } from '@azure/data-tables';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startAzurite, type AzuriteHandle } from '../../local/storage/azurite.js';

const started: AzuriteHandle[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const handle of started.splice(0)) await handle.stop();
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function start(options: Parameters<typeof startAzurite>[0]): Promise<AzuriteHandle> {
  const handle = await startAzurite(options);
  started.push(handle);
  return handle;
}

function tableOf(handle: AzuriteHandle): TableClient {
  return TableClient.fromConnectionString(handle.connectionString, 'probe', { allowInsecureConnection: true });
}

describe('startAzurite', () => {
  it('binds a free port, reports it, and serves tables through its explicit connection string', async () => {
    const handle = await start({ port: 0, inMemory: true });
    expect(handle.port).toBeGreaterThan(0);
    expect(handle.pid).toBeGreaterThan(0);
    expect(handle.tableEndpoint).toBe(`http://127.0.0.1:${handle.port}/devstoreaccount1`);
    expect(handle.connectionString).toContain(`TableEndpoint=http://127.0.0.1:${handle.port}/devstoreaccount1;`);
    const table = tableOf(handle);
    await table.createTable();
    await table.createEntity({ partitionKey: 'p', rowKey: 'r', value: 42 });
    expect((await table.getEntity<{ value: number }>('p', 'r')).value).toBe(42);
  });

  it('reuses a running Azurite without owning it', async () => {
    const owner = await start({ port: 0, inMemory: true });
    await tableOf(owner).createTable();
    const reused = await startAzurite({ port: owner.port, reuseExisting: true });
    expect(reused.connectionString).toBe(owner.connectionString);
    expect(reused.pid).toBeUndefined();
    await reused.stop();
    await tableOf(owner).createEntity({ partitionKey: 'still', rowKey: 'up' });
  });

  it('refuses to reuse a port held by something that is not Azurite', async () => {
    const server: Server = createServer((_, res) => res.end('hello'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
    const { port } = server.address() as { port: number };
    await expect(startAzurite({ port, reuseExisting: true })).rejects.toThrow(/not an Azurite table service/);
  });

  it('keeps data in dataDir across restarts', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'azurite-test-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
    const first = await startAzurite({ port: 0, dataDir });
    await tableOf(first).createTable();
    await tableOf(first).createEntity({ partitionKey: 'kept', rowKey: '1' });
    await first.stop();
    const second = await start({ port: 0, dataDir });
    expect((await tableOf(second).getEntity('kept', '1')).rowKey).toBe('1');
  });

  it('rejects a port out of range', async () => {
    await expect(startAzurite({ port: 70000 })).rejects.toThrow(RangeError);
  });
});
