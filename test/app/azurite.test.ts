import { TableClient } from '@azure/data-tables';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { placeAzurite, startAzurite, type AzuriteHandle } from '../../local/storage/azurite.js';

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

/** An HTTP server that is not Azurite, on a free port. */
async function somethingElse(): Promise<number> {
  const server: Server = createServer((_, res) => res.end('hello'));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(() => resolve())));
  return (server.address() as { port: number }).port;
}

describe('placeAzurite: an Azurite somebody else runs is used only when asked for', () => {
  function placing(options: Omit<Parameters<typeof placeAzurite>[0], 'log'>) {
    const lines: string[] = [];
    return { lines, placed: placeAzurite({ ...options, log: (message) => lines.push(message) }) };
  }

  it('does not reuse an Azurite on the default port unasked: takes a free port and says so in one line', async () => {
    const other = await start({ port: 0, inMemory: true });
    const { lines, placed } = placing({ defaultPort: other.port });
    const { port, reuseExisting } = await placed;
    expect(reuseExisting).toBe(false);
    expect(port).not.toBe(other.port);
    expect(lines).toEqual([
      expect.stringMatching(
        new RegExp(
          `^Port ${other.port} is taken \\(by an Azurite .*--reuse-azurite would use it\\); .* port ${port} instead\\.$`,
        ),
      ),
    ]);
  });

  it('reuses it with reuse, or when its port is given explicitly, and warns what that means', async () => {
    const other = await start({ port: 0, inMemory: true });
    for (const options of [{ defaultPort: other.port, reuse: true }, { port: other.port }]) {
      const { lines, placed } = placing(options);
      expect(await placed).toEqual({ port: other.port, reuseExisting: true });
      expect(lines).toEqual([expect.stringMatching(/already listening .*--data-dir and --in-memory do not apply/)]);
    }
  });

  it('takes a free port when the default one is held by something else, and uses a free default port quietly', async () => {
    const port = await somethingElse();
    const held = placing({ defaultPort: port });
    expect((await held.placed).port).not.toBe(port);
    expect(held.lines).toEqual([expect.stringContaining(`Port ${port} is taken (by something else)`)]);

    const free = await start({ port: 0, inMemory: true });
    const freePort = free.port;
    await free.stop();
    const quiet = placing({ defaultPort: freePort });
    expect(await quiet.placed).toEqual({ port: freePort, reuseExisting: false });
    expect(quiet.lines).toEqual([]);
  });

  it('refuses a port asked for that something else holds, and says when there was nothing to reuse', async () => {
    const port = await somethingElse();
    for (const options of [{ port }, { defaultPort: port, reuse: true }]) {
      await expect(placing(options).placed).rejects.toThrow(
        `Port ${port} on 127.0.0.1 is in use by something that is not an Azurite table service.`,
      );
    }
    const free = await start({ port: 0, inMemory: true });
    await free.stop();
    const nothing = placing({ defaultPort: free.port, reuse: true });
    expect(await nothing.placed).toEqual({ port: free.port, reuseExisting: false });
    expect(nothing.lines).toEqual([expect.stringMatching(/^--reuse-azurite: no Azurite listens on .*starts its own/)]);
  });
});

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
    const port = await somethingElse();
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
