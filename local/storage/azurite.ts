import { mkdir } from 'node:fs/promises';
import { request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';

/** The fixed account and key every Azure storage emulator accepts (published by Microsoft, not a secret). */
export const DEV_ACCOUNT_NAME = 'devstoreaccount1';
export const DEV_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export type AzuriteOptions = {
  /** Table service port; 0 (the default) picks a free one. */
  port?: number;
  host?: string;
  /** Where Azurite keeps its table database when not in memory. Default `.local/azurite`. */
  dataDir?: string;
  inMemory?: boolean;
  /** Use an Azurite table service already listening on `port` instead of starting one. */
  reuseExisting?: boolean;
};

export type AzuriteHandle = {
  tableEndpoint: string;
  /** Explicit account connection string: `UseDevelopmentStorage=true` would assume port 10002. */
  connectionString: string;
  port: number;
  /** Stops the service this call started; a no-op for a reused one. Idempotent. */
  stop(): Promise<void>;
};

const require = createRequire(import.meta.url);

export async function startAzurite(options: AzuriteOptions = {}): Promise<AzuriteHandle> {
  const host = options.host ?? '127.0.0.1';
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`Azurite port must be an integer from 0 to 65535, got ${String(options.port)}.`);
  }
  if (options.reuseExisting) {
    if (port === 0) throw new Error('reuseExisting needs the port of the running Azurite table service, not 0.');
    const server = await probeTableService(host, port);
    if (server === 'azurite') return handleFor(host, port, async () => undefined);
    if (server === 'other') {
      throw new Error(`Port ${port} on ${host} is in use by something that is not an Azurite table service.`);
    }
  }

  const { default: TableConfiguration } =
    require('azurite/dist/src/table/TableConfiguration.js') as typeof import('azurite/dist/src/table/TableConfiguration.js');
  const { default: TableServer } =
    require('azurite/dist/src/table/TableServer.js') as typeof import('azurite/dist/src/table/TableServer.js');
  const dataDir = resolve(options.dataDir ?? '.local/azurite');
  if (!options.inMemory) await mkdir(dataDir, { recursive: true });
  const config = new TableConfiguration(
    host,
    port,
    undefined,
    join(dataDir, '__azurite_db_table__.json'),
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
  try {
    await server.start();
  } catch (error) {
    throw new Error(`Azurite table service could not start on ${host}:${port}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!options.inMemory) saveBeforeAnswering(server as unknown as AzuriteTableInternals);
  const boundPort = Number(new URL(server.getHttpServerAddress()).port);
  let stopping: Promise<void> | undefined;
  return handleFor(host, boundPort, () => (stopping ??= server.close()));
}

/** The two parts of Azurite's TableServer that durability needs; not in its typings. */
type AzuriteTableInternals = {
  httpServer: Server;
  metadataStore: { db: { saveDatabase(callback: (error?: Error | null) => void): void } };
};

/**
 * Azurite's table store (LokiJS) answers writes at once but saves its file only every 5 s, so a kill -9 would
 * lose writes it had acknowledged. Holding back the answer to every write until a save has finished makes an
 * acknowledged write durable against a crash of the process. LokiJS merges saves requested while one is running
 * into the next, so under load many writes share one save.
 */
function saveBeforeAnswering(server: AzuriteTableInternals): void {
  const { httpServer } = server;
  const { db } = server.metadataStore;
  const listeners = httpServer.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  httpServer.removeAllListeners('request');
  httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      res.end = ((...args: unknown[]) => {
        db.saveDatabase((error) => {
          // An unsaved write must not look acknowledged: drop the connection instead of answering.
          if (error) res.destroy(error);
          else end(...args);
        });
        return res;
      }) as ServerResponse['end'];
    }
    for (const listener of listeners) listener.call(httpServer, req, res);
  });
}

function handleFor(host: string, port: number, stop: () => Promise<void>): AzuriteHandle {
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const tableEndpoint = `http://${urlHost}:${port}/${DEV_ACCOUNT_NAME}`;
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT_NAME};AccountKey=${DEV_ACCOUNT_KEY};` +
    `TableEndpoint=${tableEndpoint};`;
  return { tableEndpoint, connectionString, port, stop };
}

/** Whether an Azurite table service answers on host:port ('azurite'), something else does, or nothing does. */
function probeTableService(host: string, port: number): Promise<'azurite' | 'other' | 'none'> {
  return new Promise((resolvePromise) => {
    const req = request({ host, port, path: `/${DEV_ACCOUNT_NAME}/Tables`, method: 'GET', timeout: 2000 }, (res) => {
      res.resume();
      const server = String(res.headers.server ?? '');
      resolvePromise(server.startsWith('Azurite-Table') ? 'azurite' : 'other');
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', (error: NodeJS.ErrnoException) => resolvePromise(error.code === 'ECONNREFUSED' ? 'none' : 'other'));
    req.end();
  });
}
