// Bench child: Azurite's table service started as the stack starts it (startAzurite: its own process, port 0,
// durable in a fresh folder or in memory), for figure 2's storage ceiling.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAzurite, type AzuriteHandle } from '../../local/storage/azurite.js';
import { cpuSecondsOf } from '../lib/processCpu.js';
import { serveRpc } from '../lib/rpc.js';

let azurite: AzuriteHandle | undefined;
let dataDir: string | undefined;

export const azuriteApi = {
  /** Starts Azurite on a free port; returns the connection string the app would be given. */
  async start(options: { inMemory: boolean }): Promise<{ connectionString: string }> {
    dataDir = mkdtempSync(join(tmpdir(), 'bench-azurite-'));
    azurite = await startAzurite({ port: 0, dataDir, inMemory: options.inMemory });
    return { connectionString: azurite.connectionString };
  },
  /** CPU seconds Azurite's own process has used so far (process.cpuUsage() would count only this one). */
  async cpuSeconds(): Promise<number | null> {
    return azurite?.pid === undefined ? null : cpuSecondsOf(azurite.pid);
  },
};
export type AzuriteApi = typeof azuriteApi;

serveRpc(azuriteApi, async () => {
  await azurite?.stop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});
