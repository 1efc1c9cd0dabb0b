import type { InvocationResponse } from '../../rpc/messages.js';
import type { RpcInvocationRequest, RpcLog } from '../../rpc/types.js';
import type { LogEntry } from '../logger.js';
import { WorkerChannel, type WorkerStart } from './workerChannel.js';
import { startWorkerProcess, type WorkerProcessOptions } from './workerProcess.js';

export type WorkerPoolOptions = Omit<WorkerProcessOptions, 'workerId'> & {
  /** `FUNCTIONS_WORKER_PROCESS_COUNT`. */
  count: number;
  hostVersion: string;
  onLog(log: RpcLog): void;
  /** Called once the restart budget is spent: the host stops serving until the app changes. */
  onGaveUp(error: Error): void;
};

// The host restarts a crashed worker at once, and gives up after 3 × the process count errors in 30 minutes.
const ERROR_WINDOW_MS = 30 * 60_000;
const WAIT_FOR_WORKER_MS = 30_000;
const TERMINATE_GRACE_MS = 5_000;

/**
 * The app's language workers (`FUNCTIONS_WORKER_PROCESS_COUNT` of them): each invocation goes to the least busy
 * one; a worker that dies fails its in-flight invocations and is replaced, as the host's dispatcher does.
 */
export class WorkerPool {
  #options: WorkerPoolOptions;
  #channels: WorkerChannel[] = [];
  #starting = new Set<WorkerChannel>();
  #errors: number[] = [];
  #closing = false;
  #nextId = 1;
  #replacements = new Set<Promise<void>>();
  #replaced: (() => void)[] = [];

  constructor(options: WorkerPoolOptions) {
    this.#options = options;
  }

  /** Starts every worker; resolves with what the first reported (all load the same app). */
  async start(): Promise<WorkerStart> {
    const starts = Array.from({ length: this.#options.count }, () => this.#spawn());
    const results = await Promise.allSettled(starts);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) {
      await this.close();
      throw (failed as PromiseRejectedResult).reason;
    }
    return (results[0] as PromiseFulfilledResult<WorkerStart>).value;
  }

  get pids(): number[] {
    return this.#channels.filter((c) => c.alive && c.pid !== undefined).map((c) => c.pid as number);
  }

  async #spawn(): Promise<WorkerStart> {
    const { child, stderrTail } = startWorkerProcess({ ...this.#options, workerId: `worker-${this.#nextId++}` });
    const channel = new WorkerChannel(child, stderrTail, (log) => this.#options.onLog(log));
    this.#starting.add(channel);
    try {
      const started = await channel.start(this.#options.appDir, this.#options.hostVersion);
      // Invocations go only to workers that have loaded the app.
      if (channel.alive) this.#channels.push(channel);
      void channel.exited.then((error) => this.#onExit(channel, error));
      return started;
    } catch (error) {
      await channel.kill();
      throw error;
    } finally {
      this.#starting.delete(channel);
    }
  }

  #log(entry: Omit<LogEntry, 'category'>): void {
    this.#options.log({ ...entry, category: 'Host.General' });
  }

  #onExit(channel: WorkerChannel, error: Error): void {
    this.#channels = this.#channels.filter((c) => c !== channel);
    if (this.#closing) return;
    this.#log({ level: 'error', message: `Language Worker Process exited. Pid=${channel.pid}.\n${error.message}` });
    this.#restart(error);
  }

  #restart(error: Error): void {
    const now = Date.now();
    this.#errors = [...this.#errors.filter((t) => now - t < ERROR_WINDOW_MS), now];
    if (this.#errors.length > 3 * this.#options.count) {
      this.#log({
        level: 'error',
        message:
          'Exceeded language worker restart retry count for runtime:node. Shutting down and proactively recycling ' +
          'the Functions Host to recover',
      });
      this.#options.onGaveUp(error);
      return;
    }
    this.#log({ level: 'information', message: 'Restarting the language worker process.' });
    const replacement = this.#spawn().then(
      () => undefined,
      (startError: unknown) => {
        this.#log({ level: 'error', message: `The language worker failed to start: ${(startError as Error).message}` });
        if (!this.#closing) this.#restart(startError as Error);
      },
    );
    this.#replacements.add(replacement);
    void replacement.finally(() => {
      this.#replacements.delete(replacement);
      for (const wake of this.#replaced.splice(0)) wake();
    });
  }

  /** The least busy live worker, waiting for a replacement when every worker is restarting. */
  async #pick(): Promise<WorkerChannel> {
    const deadline = Date.now() + WAIT_FOR_WORKER_MS;
    for (;;) {
      let best: WorkerChannel | undefined;
      for (const c of this.#channels) if (c.alive && (!best || c.inFlight < best.inFlight)) best = c;
      if (best) return best;
      if (this.#closing || this.#replacements.size === 0 || Date.now() > deadline) {
        throw new Error('No language worker process is running for the app.');
      }
      await new Promise<void>((resolve) => this.#replaced.push(resolve));
    }
  }

  async invoke(
    request: RpcInvocationRequest & { invocationId: string; functionId: string },
  ): Promise<InvocationResponse> {
    return (await this.#pick()).invoke(request);
  }

  /** WorkerTerminate to every worker (appTerminate hooks run), killing any that outlive the grace period. */
  async close(): Promise<void> {
    this.#closing = true;
    for (const wake of this.#replaced.splice(0)) wake();
    await Promise.all([...this.#starting].map((c) => c.kill()));
    await Promise.all([...this.#replacements]);
    await Promise.all(this.#channels.map((c) => c.terminate(TERMINATE_GRACE_MS)));
    this.#channels = [];
  }
}
