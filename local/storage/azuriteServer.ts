import { mkdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { WriteHealth } from '../shared/writeHealth.js';
import { azuriteModule } from './azuriteModule.js';
import { journalWrites } from './journaledWrites.js';

export type AzuriteServerOptions = { host: string; port: number; dataDir?: string; inMemory?: boolean };

const DB_FILE = '__azurite_db_table__.json';

export type AzuriteTableServer = { port: number; close(): Promise<void>; health(): WriteHealth };

/** Runs Azurite's table service in this process; returns the port it listens on, its health and how to stop it. */
export async function runAzuriteTableServer(options: AzuriteServerOptions): Promise<AzuriteTableServer> {
  const { host, port } = options;
  const { default: TableConfiguration } = azuriteModule(await import('azurite/dist/src/table/TableConfiguration.js'));
  const { default: TableServer } = azuriteModule(await import('azurite/dist/src/table/TableServer.js'));
  const dataDir = resolve(options.dataDir ?? '.local/azurite');
  if (!options.inMemory) await mkdir(dataDir, { recursive: true });
  const config = new TableConfiguration(
    host,
    port,
    undefined,
    join(dataDir, DB_FILE),
    false, // debug log
    false, // access log
    undefined,
    undefined,
    true, // loose: ignore headers Azurite does not implement instead of failing
    true, // skipApiVersionCheck: newer SDKs send API versions Azurite has not heard of
    '',
    '',
    '',
    undefined,
    false,
    options.inMemory ?? false,
  );
  const server = new TableServer(config);
  const journaled = options.inMemory ? undefined : journalWrites(server, join(dataDir, DB_FILE));
  try {
    await server.start();
  } catch (error) {
    throw new Error(`Azurite table service could not start on ${host}:${port}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return {
    port: Number(new URL(server.getHttpServerAddress()).port),
    close: () => server.close(),
    health: () => journaled?.health() ?? { diskFull: false },
  };
}
