import { EventEmitter } from 'node:events';
import { systemClock, type Clock, type ClockTimer } from './clock.js';

/** How a supervised process ended. */
export type ExitReason = { code: number | null; signal: NodeJS.Signals | null };

/** One started instance of a supervised process, as far as the supervisor needs to see it. */
export interface Supervised {
  /** Settles once the process has ended, however it ended. */
  readonly exited: Promise<ExitReason>;
  /** Asks the process to end and resolves once it has; calling it again is harmless. */
  stop(): Promise<void>;
}

export type BackoffPolicy = {
  /** Wait before the first restart after a death. */
  initialDelayMs: number;
  /** Each further failure in a row multiplies the wait by this, up to `maxDelayMs`. */
  factor: number;
  maxDelayMs: number;
  /** Restarts in a row that may fail (the start fails, or the new process dies young) before giving up. */
  maxRestarts: number;
  /** A process that ran this long was healthy: when it dies, the count of failures starts afresh. */
  healthyAfterMs: number;
};

export const DEFAULT_BACKOFF: BackoffPolicy = {
  initialDelayMs: 250,
  factor: 2,
  maxDelayMs: 8_000,
  maxRestarts: 5,
  healthyAfterMs: 30_000,
};

/** `running`: a process is up; `restarting`: waiting to start the next; `failed`: gave up; `stopped`: asked to. */
export type SupervisorState = 'running' | 'restarting' | 'failed' | 'stopped';

export type SupervisorEvents<T> = {
  /** The process ended without being asked to. */
  exit: [reason: ExitReason];
  /** A restart is due after `delayMs`; `attempt` counts the failures in a row, from 1. */
  restarting: [info: { attempt: number; delayMs: number; cause: Error }];
  /** A replacement process is up. */
  restarted: [instance: T, info: { attempt: number }];
  /** `maxRestarts` restarts in a row failed: no more are tried. */
  giveUp: [info: { attempts: number; cause: Error }];
};

/**
 * Keeps one process alive: when it dies unasked, starts another after a back-off that grows with each failure in
 * a row, and gives up after `maxRestarts` of them. What a process is, and how to start one, is the caller's
 * (`spawn`), so the same supervisor serves Azurite's process and language workers. The first start is the
 * caller's too: a failure there is thrown at once, since nothing ever ran.
 */
export class Supervisor<T extends Supervised> extends EventEmitter<SupervisorEvents<T>> {
  readonly #spawn: () => Promise<T>;
  readonly #policy: BackoffPolicy;
  readonly #clock: Clock;
  #state: SupervisorState = 'stopped';
  #current: T | undefined;
  #startedAt = 0;
  #failures = 0;
  #restarts = 0;
  #timer: ClockTimer | undefined;
  #spawning: Promise<T> | undefined;

  constructor(spawn: () => Promise<T>, options: { backoff?: Partial<BackoffPolicy>; clock?: Clock } = {}) {
    super();
    this.#spawn = spawn;
    this.#policy = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.#clock = options.clock ?? systemClock;
  }

  get state(): SupervisorState {
    return this.#state;
  }

  /** The process now up, if one is. */
  get current(): T | undefined {
    return this.#current;
  }

  /** Replacement processes started so far. */
  get restarts(): number {
    return this.#restarts;
  }

  /** Starts the first process and watches it. */
  async start(): Promise<T> {
    const instance = await this.#spawn();
    this.#adopt(instance);
    return instance;
  }

  /** Stops the process (or the one being started) and restarts nothing more. */
  async stop(): Promise<void> {
    this.#state = 'stopped';
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    const current = this.#current;
    this.#current = undefined;
    await current?.stop();
    await this.#spawning?.then(
      (instance) => instance.stop(),
      () => undefined,
    );
  }

  #adopt(instance: T): void {
    this.#current = instance;
    this.#state = 'running';
    this.#startedAt = this.#clock.now();
    void instance.exited.then((reason) => this.#died(instance, reason));
  }

  #died(instance: T, reason: ExitReason): void {
    if (instance !== this.#current || this.#state !== 'running') return;
    this.#current = undefined;
    this.emit('exit', reason);
    if (this.#clock.now() - this.#startedAt >= this.#policy.healthyAfterMs) this.#failures = 0;
    const how = reason.signal ? `signal ${reason.signal}` : `code ${reason.code}`;
    this.#retry(new Error(`exited with ${how}`));
  }

  #retry(cause: Error): void {
    if (this.#failures >= this.#policy.maxRestarts) {
      this.#state = 'failed';
      this.emit('giveUp', { attempts: this.#failures, cause });
      return;
    }
    const attempt = ++this.#failures;
    const { initialDelayMs, factor, maxDelayMs } = this.#policy;
    const delayMs = Math.min(maxDelayMs, initialDelayMs * factor ** (attempt - 1));
    this.#state = 'restarting';
    this.emit('restarting', { attempt, delayMs, cause });
    this.#timer = this.#clock.setTimeout(() => void this.#restart(attempt), delayMs);
  }

  async #restart(attempt: number): Promise<void> {
    this.#timer = undefined;
    this.#spawning = this.#spawn();
    let instance: T;
    try {
      instance = await this.#spawning;
    } catch (error) {
      if (this.#state === 'restarting') this.#retry(error instanceof Error ? error : new Error(String(error)));
      return;
    } finally {
      this.#spawning = undefined;
    }
    if (this.#state !== 'restarting') {
      await instance.stop(); // stopped while it was starting
      return;
    }
    this.#restarts++;
    this.#adopt(instance);
    this.emit('restarted', instance, { attempt });
  }
}
