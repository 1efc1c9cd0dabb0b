import { once } from 'node:events';
import type { RpcLog } from '../../rpc/types.js';
import { Supervisor, type ExitReason, type Supervised } from '../../shared/supervisor.js';
import type { LogEntry } from '../core/logger.js';
import { WorkerChannel, type WorkerStart } from './workerChannel.js';
import { takePlaceholderWorker } from './placeholderWorker.js';
import { startWorkerProcess, type WorkerProcessOptions } from './workerProcess.js';

export type WorkerPoolOptions = Omit<WorkerProcessOptions, 'workerId'> & {
  /** `FUNCTIONS_WORKER_PROCESS_COUNT`. */
  count: number;
  hostVersion: string;
  onLog(log: RpcLog): void;
  /** Called once no worker is left and none will be restarted: the host stops serving until the app changes. */
  onGaveUp(error: Error): void;
};

/**
 * The host restarts a crashed worker at once, and gives up after 3 errors per worker (3 × the process count in
 * all) within 30 minutes: a worker that ran 30 minutes was healthy, and its count starts afresh.
 */
const RESTART_POLICY = { initialDelayMs: 0, factor: 1, maxDelayMs: 0, maxRestarts: 3, healthyAfterMs: 30 * 60_000 };
const WAIT_FOR_WORKER_MS = 30_000;
const TERMINATE_GRACE_MS = 5_000;

/** A started worker as the supervisor sees it. */
class WorkerInstance implements Supervised {
  readonly exited: Promise<ExitReason>;
  constructor(
    readonly channel: WorkerChannel,
    readonly started: WorkerStart,
  ) {
    this.exited = channel.exited.then((error) => ({ code: error.exitCode, signal: null }));
  }

  stop(): Promise<void> {
    return this.channel.terminate(TERMINATE_GRACE_MS);
  }
}

/**
 * The app's language workers (`FUNCTIONS_WORKER_PROCESS_COUNT` of them), each slot kept alive by a supervisor:
 * each invocation goes to the least busy worker that has loaded the app; a worker that dies fails its in-flight
 * invocations and is replaced, as the host's dispatcher does.
 */
export class WorkerPool {
  #options: WorkerPoolOptions;
  #slots: Supervisor<WorkerInstance>[] = [];
  #nextId = 1;
  #closing = false;

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
  }

  /** Starts every worker; resolves with what the first reported (all load the same app). */
  async start(): Promise<WorkerStart> {
    this.#slots = Array.from({ length: this.#options.count }, () => this.#supervised());
    const results = await Promise.allSettled(this.#slots.map((slot) => slot.start()));
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) {
      await this.close();
      throw (failed as PromiseRejectedResult).reason;
    }
    return (results[0] as PromiseFulfilledResult<WorkerInstance>).value.started;
  }

  get pids(): number[] {
    return this.#live().flatMap((w) => (w.channel.pid === undefined ? [] : [w.channel.pid]));
  }

  #live(): WorkerInstance[] {
    return this.#slots.flatMap((slot) => (slot.current?.channel.alive ? [slot.current] : []));
  }

  async #spawn(): Promise<WorkerInstance> {
    const options = { ...this.#options, workerId: `worker-${this.#nextId++}` };
    const placeholder = takePlaceholderWorker(options);
    const { child, stderrTail } = placeholder ?? startWorkerProcess(options);
    const channel = new WorkerChannel(child, stderrTail, (log) => this.#options.onLog(log), placeholder?.started);
    try {
      if (placeholder) await channel.reloadEnvironment(options.env, options.appDir);
      const instance = new WorkerInstance(
        channel,
        await channel.start(this.#options.appDir, this.#options.hostVersion),
      );
      void channel.exited.then((error) => {
        if (!this.#closing) this.#log('error', `Language Worker Process exited. Pid=${channel.pid}.\n${error.message}`);
      });
      return instance;
    } catch (error) {
      await channel.kill();
      throw error;
    }
  }

  #log(level: LogEntry['level'], message: string): void {
    this.#options.log({ level, category: 'Host.General', message });
  }

  #supervised(): Supervisor<WorkerInstance> {
    const slot = new Supervisor(() => this.#spawn(), { backoff: RESTART_POLICY });
    const log = (level: LogEntry['level'], message: string) => this.#log(level, message);
    slot.on('restarting', ({ cause }) => {
      if (!/^exited with/.test(cause.message)) log('error', `The language worker failed to start: ${cause.message}`);
      log('information', 'Restarting the language worker process.');
    });
    slot.on('giveUp', ({ cause }) => {
      if (this.#closing || this.#slots.some((s) => s.state === 'running' || s.state === 'restarting')) return;
      log(
        'error',
        'Exceeded language worker restart retry count for runtime:node. Shutting down and proactively recycling ' +
          'the Functions Host to recover',
      );
      this.#options.onGaveUp(cause);
    });
    return slot;
  }

  /** The least busy live worker, waiting for a replacement when every worker is restarting. */
  async pick(): Promise<WorkerChannel> {
    const deadline = Date.now() + WAIT_FOR_WORKER_MS;
    for (;;) {
      let best: WorkerChannel | undefined;
      for (const { channel } of this.#live()) if (!best || channel.inFlight < best.inFlight) best = channel;
      if (best) return best;
      const restarting = this.#slots.filter((s) => s.state === 'restarting');
      if (this.#closing || restarting.length === 0 || Date.now() > deadline) {
        throw new Error('No language worker process is running for the app.');
      }
      await Promise.race(restarting.flatMap((s) => [once(s, 'restarted'), once(s, 'giveUp')]));
    }
  }

  /** WorkerTerminate to every worker (appTerminate hooks run), killing any that outlive the grace period. */
  async close(): Promise<void> {
    this.#closing = true;
    await Promise.all(this.#slots.map((slot) => slot.stop()));
  }
}
