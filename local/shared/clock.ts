/** Time source for every stateful part of the local stack, so tests move time instead of sleeping. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): ClockTimer;
  clearTimeout(timer: ClockTimer): void;
}

export type ClockTimer = { readonly id: number } | ReturnType<typeof setTimeout>;

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    timer.unref?.();
    return timer;
  },
  clearTimeout: (timer) => clearTimeout(timer as ReturnType<typeof setTimeout>),
};

type Pending = { id: number; at: number; callback: () => void };

/** A clock that only moves when told to; timers fire in time order during `advance`. */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  #pending: Pending[] = [];

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): ClockTimer {
    const timer = { id: this.#nextId++, at: this.#now + Math.max(0, ms), callback };
    this.#pending.push(timer);
    return { id: timer.id };
  }

  clearTimeout(timer: ClockTimer): void {
    const id = (timer as { id: number }).id;
    this.#pending = this.#pending.filter((p) => p.id !== id);
  }

  /** Moves time forward by `ms`, firing due timers in order (including ones they schedule). */
  advance(ms: number): void {
    const target = this.#now + ms;
    for (;;) {
      const due = this.#pending.filter((p) => p.at <= target).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.#pending = this.#pending.filter((p) => p !== due);
      this.#now = due.at;
      due.callback();
    }
    this.#now = target;
  }

  get pendingTimers(): number {
    return this.#pending.length;
  }
}
