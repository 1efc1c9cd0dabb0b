import { once } from 'node:events';
import type { Clock } from '../shared/clock.js';
import { DEFAULT_BACKOFF, Supervisor, type BackoffPolicy, type SupervisorState } from '../shared/supervisor.js';
import type { WriteHealth } from '../shared/writeHealth.js';
import { startAzuriteProcess, type AzuriteProcess } from './azuriteChild.js';
import type { AzuriteService, AzuriteServiceName } from './azuriteProcess.js';
import type { AzuriteLog } from './emulatorAccount.js';

export type SupervisedAzuriteOptions = {
  host: string;
  dataDir?: string;
  inMemory?: boolean;
  /** How restarts of a process that died back off, and when they give up. */
  backoff?: Partial<BackoffPolicy>;
  clock?: Clock;
  log: AzuriteLog;
};

const NAMES: Record<AzuriteServiceName, string> = { table: 'table', blobQueue: 'blob and queue' };

/**
 * The stack's one Azurite process, kept alive: services start in it when first asked for (the table service at
 * start-up, blobs and queues once an app's bindings need them), each over the process's IPC channel. When the
 * process dies, the supervisor's back-off starts another with every service the last one ran, on the same ports,
 * since the app's settings name them.
 */
export class SupervisedAzurite {
  readonly #services = new Map<AzuriteServiceName, AzuriteService>();
  readonly #supervisor: Supervisor<AzuriteProcess>;
  #first: Promise<AzuriteProcess> | undefined;
  readonly #stopped = new AbortController();

  constructor(options: SupervisedAzuriteOptions) {
    const { host, dataDir, inMemory, log } = options;
    this.#supervisor = new Supervisor<AzuriteProcess>(
      async () => {
        const started = await startAzuriteProcess({ host, dataDir, inMemory, services: [...this.#services.values()] });
        for (const bound of started.services) this.#services.set(bound.service, bound);
        return started;
      },
      { backoff: options.backoff, clock: options.clock },
    );
    const maxRestarts = options.backoff?.maxRestarts ?? DEFAULT_BACKOFF.maxRestarts;
    this.#supervisor.on('restarting', ({ attempt, delayMs, cause }) =>
      log(
        `Azurite (${this.#describe()}) is down (${cause.message}); restarting it in ${delayMs} ms ` +
          `(attempt ${attempt} of ${maxRestarts}).`,
        'warning',
      ),
    );
    this.#supervisor.on('restarted', (started) => {
      const ports = started.services.flatMap((s) => (s.service === 'table' ? [s.port] : [s.blobPort, s.queuePort]));
      log(
        `Azurite is back on port${ports.length > 1 ? 's' : ''} ${ports.join(', ')} (process ${started.pid}).`,
        'warning',
      );
    });
    this.#supervisor.on('giveUp', ({ attempts, cause }) =>
      log(
        `Azurite (${this.#describe()}) failed ${attempts} restarts in a row (${cause.message}); no more are tried. ` +
          'Storage requests fail until the stack is restarted.',
        'error',
      ),
    );
  }

  /** Starts a service in the process (the first call starts the process); resolves with its bound ports. */
  async start<S extends AzuriteService>(service: S): Promise<S> {
    const known = this.#services.has(service.service);
    if (!known) this.#services.set(service.service, service);
    try {
      const process = await (this.#first ??= this.#supervisor.start()).then(() => this.#running());
      const bound = await process.start(service);
      this.#services.set(bound.service, bound);
      return bound as S;
    } catch (error) {
      if (!known) this.#services.delete(service.service); // a restart must not fail on it again
      throw error;
    }
  }

  /** Stops one service; the last one stops the process. */
  async close(name: AzuriteServiceName): Promise<void> {
    this.#services.delete(name);
    if (this.#services.size === 0) return this.stop();
    await this.#supervisor.current?.close(name);
  }

  /** Stops the process and restarts nothing more. Idempotent. */
  stop(): Promise<void> {
    this.#stopped.abort();
    return this.#supervisor.stop();
  }

  get pid(): number | undefined {
    return this.#supervisor.current?.pid;
  }

  async health(): Promise<WriteHealth & { state: SupervisorState; restarts: number }> {
    const writes = (await this.#supervisor.current?.health()) ?? { diskFull: false };
    return { state: this.#supervisor.state, restarts: this.#supervisor.restarts, ...writes };
  }

  /** The process now up; while one is being restarted, the replacement (which starts every service asked for). */
  async #running(): Promise<AzuriteProcess> {
    const supervisor = this.#supervisor;
    if (supervisor.state === 'restarting') {
      const settled = new AbortController();
      const signal = AbortSignal.any([settled.signal, this.#stopped.signal]);
      await Promise.race([once(supervisor, 'restarted', { signal }), once(supervisor, 'giveUp', { signal })])
        .catch(() => undefined) // stopped meanwhile: the state says so below
        .finally(() => settled.abort());
    }
    if (supervisor.state === 'running' && supervisor.current) return supervisor.current;
    throw new Error(
      supervisor.state === 'failed'
        ? 'Azurite failed too many restarts in a row; restart the stack.'
        : 'Azurite has been stopped.',
    );
  }

  #describe(): string {
    const names = [...this.#services.keys()].map((name) => NAMES[name]);
    return `${names.join(', ')} service${names.length > 1 || names[0] === NAMES.blobQueue ? 's' : ''}`;
  }
}
