import { request } from 'node:http';
import type { Clock } from '../shared/clock.js';
import { freePort } from '../shared/freePort.js';
import type { BackoffPolicy, SupervisorState } from '../shared/supervisor.js';
import type { WriteHealth } from '../shared/writeHealth.js';
import { blobQueueHandle, type BlobQueueHandle } from './blobQueue.js';
import { SupervisedAzurite } from './azuriteSupervisor.js';
import { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME, emulatorServiceUrl, type AzuriteLog } from './emulatorAccount.js';

export { DEV_ACCOUNT_KEY, DEV_ACCOUNT_NAME, type AzuriteLog };

/** Azurite's own default table port. */
export const DEFAULT_AZURITE_PORT = 10002;

export type AzuriteOptions = {
  /** Table service port; 0 (the default) picks a free one. */
  port?: number;
  host?: string;
  /** Where Azurite keeps its table database when not in memory. Default `.local/azurite`. */
  dataDir?: string;
  inMemory?: boolean;
  /** Use an Azurite table service already listening on `port` instead of starting one. */
  reuseExisting?: boolean;
  /** How restarts of an Azurite process that died back off, and when they give up. */
  backoff?: Partial<BackoffPolicy>;
  clock?: Clock;
  /** Where restarts and giving up are reported. Default: stderr. */
  log?: AzuriteLog;
};

export type AzuriteHealth = WriteHealth & {
  /** The process: up, being restarted, given up on, stopped — or `reused`: somebody else's, not watched. */
  state: SupervisorState | 'reused';
  restarts: number;
};

export type AzuriteHandle = {
  tableEndpoint: string;
  /** Explicit account connection string: `UseDevelopmentStorage=true` would assume port 10002. */
  connectionString: string;
  port: number;
  /** The current Azurite process, when this call started one (not for a reused service). */
  readonly pid?: number;
  health(): Promise<AzuriteHealth>;
  /**
   * Starts Azurite's blob and queue services (0 or no port: free ones) in the same process as the table service,
   * or, next to a reused table service, in a process of this stack's own. Called again, it finds them running.
   */
  startBlobQueue(ports?: { blobPort?: number; queuePort?: number }): Promise<BlobQueueHandle>;
  /** Stops the Azurite process this call started; next to a reused table service, only blobs and queues. Idempotent. */
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
    if (server === 'azurite') {
      // Somebody else's table service; blobs and queues, when asked for, run in a process of this stack's own.
      let own: SupervisedAzurite | undefined;
      return {
        ...azuriteEndpoints(host, port),
        port,
        health: async () => ({ state: 'reused', restarts: 0, diskFull: false }),
        startBlobQueue: (ports) => blobQueueHandle((own ??= supervised(host, options)), host, ports),
        stop: async () => own?.stop(),
      };
    }
    if (server === 'other') {
      throw new Error(`Port ${port} on ${host} is in use by something that is not an Azurite table service.`);
    }
  }
  return startSupervised(host, port, options);
}

/**
 * Where the stack's Azurite goes, so that one somebody else runs — with its own data, its own persistence and
 * no crash guarantee — is used only when asked for: with `reuse`, or by naming its port. Without a port, 10002
 * unless something holds it, else a free port (said in one line). A port asked for that something other than
 * Azurite holds is an error.
 */
export async function placeAzurite(options: {
  port?: number;
  reuse?: boolean;
  host?: string;
  /** The port to prefer when none is given. Default 10002. */
  defaultPort?: number;
  log: AzuriteLog;
}): Promise<{ port: number; reuseExisting: boolean }> {
  const { port: requested, host = '127.0.0.1', log } = options;
  const port = requested ?? options.defaultPort ?? DEFAULT_AZURITE_PORT;
  if (port === 0) {
    if (options.reuse) throw new Error('Reusing an Azurite needs its port (10002 unless --azurite-port says), not 0.');
    return { port: await freePort(host), reuseExisting: false };
  }
  const found = await probeTableService(host, port);
  const asked = options.reuse || requested !== undefined;
  if (found === 'other' && asked) {
    throw new Error(`Port ${port} on ${host} is in use by something that is not an Azurite table service.`);
  }
  if (found === 'azurite' && asked) {
    log(
      `Using the Azurite table service already listening on ${host}:${port} ` +
        `(${options.reuse ? '--reuse-azurite' : '--azurite-port'}): its data is wherever it keeps it ` +
        '(--data-dir and --in-memory do not apply), it saves only every 5 s (a crash can lose acknowledged ' +
        'writes), and this stack does not restart it.',
      'warning',
    );
    return { port, reuseExisting: true };
  }
  if (found === 'none') {
    if (options.reuse)
      log(`--reuse-azurite: no Azurite listens on ${host}:${port}; this stack starts its own there.`, 'warning');
    return { port, reuseExisting: false };
  }
  const free = await freePort(host);
  const holder =
    found === 'azurite' ? 'by an Azurite this stack does not own; --reuse-azurite would use it' : 'by something else';
  log(`Port ${port} is taken (${holder}); this stack's Azurite listens on port ${free} instead.`, 'warning');
  return { port: free, reuseExisting: false };
}

function supervised(host: string, options: AzuriteOptions): SupervisedAzurite {
  return new SupervisedAzurite({
    host,
    dataDir: options.dataDir,
    inMemory: options.inMemory,
    backoff: options.backoff,
    clock: options.clock,
    log: options.log ?? ((message) => process.stderr.write(`${message}\n`)),
  });
}

async function startSupervised(host: string, port: number, options: AzuriteOptions): Promise<AzuriteHandle> {
  const azurite = supervised(host, options);
  const table = await azurite.start({ service: 'table', port });
  return {
    ...azuriteEndpoints(host, table.port),
    port: table.port,
    get pid() {
      return azurite.pid;
    },
    health: () => azurite.health(),
    startBlobQueue: (ports) => blobQueueHandle(azurite, host, ports),
    stop: () => azurite.stop(),
  };
}

/** Where the table service at host:port is, and the explicit connection string for it. */
export function azuriteEndpoints(host: string, port: number): { tableEndpoint: string; connectionString: string } {
  const tableEndpoint = emulatorServiceUrl(host, port);
  const connectionString =
    `DefaultEndpointsProtocol=http;AccountName=${DEV_ACCOUNT_NAME};AccountKey=${DEV_ACCOUNT_KEY};` +
    `TableEndpoint=${tableEndpoint};`;
  return { tableEndpoint, connectionString };
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
