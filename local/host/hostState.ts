import type { Clock } from '../shared/clock.js';

export type HostStateKind = 'starting' | 'running' | 'failed' | 'stopped';
type State = { kind: 'starting' | 'running' | 'stopped' } | { kind: 'failed'; error: Error };

// The host holds requests up to 30 s while it (re)starts, then answers 503.
const HOST_START_WAIT_MS = 30_000;

/** Whether the host can serve, and a wait for it, as the host's availability check does. */
export class HostState {
  #state: State = { kind: 'starting' };
  #waiters: (() => void)[] = [];
  #clock: Clock;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  get kind(): HostStateKind {
    return this.#state.kind;
  }

  set(next: HostStateKind, error?: Error): void {
    this.#state =
      next === 'failed'
        ? { kind: 'failed', error: error ?? new Error('Function host is not running.') }
        : { kind: next };
    if (next !== 'starting') for (const wake of this.#waiters.splice(0)) wake();
  }

  /**
   * Resolves when running; rejects when failed or stopped, or after the 30 s start/restart wait, with why the host
   * is not running (the pipeline's 503 says it).
   */
  whenRunning(): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => {
        const state = this.#state;
        if (state.kind === 'running') resolve();
        else if (state.kind === 'failed') {
          reject(new Error(`the app failed (${state.error.message}); fix it and the host reloads.`));
        } else if (state.kind === 'stopped') reject(new Error('it has stopped.'));
        else return false;
        return true;
      };
      if (check()) return;
      const timer = this.#clock.setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== wake);
        reject(new Error(`it did not start within ${HOST_START_WAIT_MS / 1000} s.`));
      }, HOST_START_WAIT_MS);
      const wake = (): void => {
        this.#clock.clearTimeout(timer);
        check();
      };
      this.#waiters.push(wake);
    });
  }
}
