import { TableClient } from '@azure/data-tables';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { azuriteEndpoints } from '../../local/storage/azurite.js';
import type { AzuriteProcessConfig, AzuriteReadyMessage } from '../../local/storage/azuriteProcess.js';
import { APP_DIR } from '../support/stack.js';

const ENTRY = join(APP_DIR, 'dist', 'local', 'storage', 'azuriteLoader.js');
const children: ChildProcess[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** Azurite's own process with only the table service, as the stack forks it, on a free port over `dataDir`. */
async function startAzuriteProcess(dataDir: string): Promise<{ child: ChildProcess; table: TableClient }> {
  const config: AzuriteProcessConfig = { host: '127.0.0.1', dataDir, services: [{ service: 'table', port: 0 }] };
  const child = fork(ENTRY, [JSON.stringify(config)], {
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  const [message] = (await once(child, 'message')) as [AzuriteReadyMessage];
  if (!message.ready) throw new Error(message.error);
  const [table] = message.services;
  const { connectionString } = azuriteEndpoints('127.0.0.1', table?.service === 'table' ? table.port : 0);
  return {
    child,
    table: TableClient.fromConnectionString(connectionString, 'crash', {
      allowInsecureConnection: true,
      retryOptions: { maxRetries: 0 }, // a request cut off by the kill fails at once instead of retrying
    }),
  };
}

describe('Azurite under SIGKILL', () => {
  it('keeps every write it acknowledged, across kills in the middle of concurrent writes', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'azurite-crash-'));
    dirs.push(dataDir);
    const acknowledged = new Map<string, number>();
    let first = true;
    for (let life = 0; life < 3; life++) {
      const { child, table } = await startAzuriteProcess(dataDir);
      if (first) await table.createTable();
      first = false;
      // Four writers: each creates a row, then replaces it (Azurite: remove + insert) or deletes every third one.
      let stop = false;
      let writes = 0;
      const writer = async (w: number) => {
        for (let i = 0; !stop; i++) {
          const rowKey = `${life}-${w}-${i}`;
          const key = `p${w}/${rowKey}`;
          try {
            await table.createEntity({ partitionKey: `p${w}`, rowKey, value: 1 });
            acknowledged.set(key, 1);
            if (i % 3 === 2) {
              await table.deleteEntity(`p${w}`, rowKey);
              acknowledged.delete(key);
            } else {
              await table.updateEntity({ partitionKey: `p${w}`, rowKey, value: 2 }, 'Replace');
              acknowledged.set(key, 2);
            }
          } catch {
            // Cut off by the kill: that write may or may not have landed, so this row is not compared.
            acknowledged.delete(key);
            return;
          }
          if (++writes === 60) {
            stop = true;
            child.kill('SIGKILL');
          }
        }
      };
      await Promise.all([0, 1, 2, 3].map(writer));
      if (child.exitCode === null && child.signalCode === null) await once(child, 'exit');
    }

    const { table } = await startAzuriteProcess(dataDir);
    const stored = new Map<string, number>();
    for await (const entity of table.listEntities<{ value: number }>()) {
      stored.set(`${entity.partitionKey}/${entity.rowKey}`, entity.value);
    }
    // Every row whose writes were all acknowledged is there with its last value.
    for (const [key, value] of acknowledged) expect(stored.get(key), key).toBe(value);
    for (const key of acknowledged.keys()) {
      const [partitionKey, rowKey] = key.split('/') as [string, string];
      expect((await table.getEntity<{ value: number }>(partitionKey, rowKey)).value).toBe(acknowledged.get(key));
    }
    expect(acknowledged.size).toBeGreaterThan(100);
    expect(readdirSync(dataDir).sort()).toEqual(['__azurite_db_table__.json', '__azurite_db_table__.json.journal']);
  });
});
