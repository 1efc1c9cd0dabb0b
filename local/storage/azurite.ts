import { fork, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { compiledEntry } from '../shared/compiledEntry.js';
import type { AzuriteProcessMessage } from './azuriteProcess.js';

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
  /** The table service's own process, when this call started one (not for a reused service). */
  pid?: number;
  /** Stops the service this call started; a no-op for a reused one. Idempotent. */
  stop(): Promise<void>;
};

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

  return handleForProcess(host, await startAzuriteProcess(host, port, options));
}

async function startAzuriteProcess(
  host: string,
  port: number,
  options: AzuriteOptions,
): Promise<{ child: ChildProcess; port: number }> {
  const child = fork(
    compiledEntry(import.meta.url, 'azuriteProcess.js'),
    [JSON.stringify({ host, port, dataDir: options.dataDir, inMemory: options.inMemory })],
    {
      // Not the parent's flags: a test runner's loaders or a profiler do not belong in Azurite's process.
      execArgv: [],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    },
  );
  const boundPort = await new Promise<number>((resolvePromise, reject) => {
    child.once('message', (message: AzuriteProcessMessage) => {
      if (message.ready) resolvePromise(message.port);
      else reject(new Error(message.error));
    });
    child.once('exit', (code) =>
      reject(new Error(`The Azurite table service exited (code ${code}) before it was ready.`)),
    );
    child.once('error', reject);
  });
  child.removeAllListeners('exit');
  return { child, port: boundPort };
}

function handleForProcess(host: string, started: { child: ChildProcess; port: number }): AzuriteHandle {
  const { child } = started;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> =>
    (stopping ??= new Promise<void>((resolvePromise) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolvePromise();
      child.once('exit', () => resolvePromise());
      child.send('stop');
    }));
  return { ...handleFor(host, started.port, stop), pid: child.pid };
}

/** Where the table service at host:port is, and the explicit connection string for it. */
export function azuriteEndpoints(host: string, port: number): { tableEndpoint: string; connectionString: string } {
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const tableEndpoint = `http://${urlHost}:${port}/${DEV_ACCOUNT_NAME}`;
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT_NAME};AccountKey=${DEV_ACCOUNT_KEY};` +
    `TableEndpoint=${tableEndpoint};`;
  return { tableEndpoint, connectionString };
}

function handleFor(host: string, port: number, stop: () => Promise<void>): AzuriteHandle {
  return { ...azuriteEndpoints(host, port), port, stop };
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
