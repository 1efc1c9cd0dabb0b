import type { Clock, ClockTimer } from '../shared/clock.js';

// Node fires longer timeouts at once; a far deadline is reached in steps instead.
const maxDelayMs = 2 ** 31 - 1;

/** One pending clock timer for "the earliest deadline of something"; re-arming only ever moves it earlier. */
export class TimerSlot {
  readonly #clock: Clock;
  readonly #fire: () => void;
  #timer: ClockTimer | undefined;
  #at = Infinity;

  constructor(clock: Clock, fire: () => void) {
    this.#clock = clock;
    this.#fire = fire;
  }

  armAt(at: number): void {
    if (at >= this.#at || !Number.isFinite(at)) return;
    this.clear();
    this.#at = at;
    const delay = Math.min(Math.max(0, at - this.#clock.now()), maxDelayMs);
    this.#timer = this.#clock.setTimeout(() => {
      this.#timer = undefined;
      this.#at = Infinity;
      this.#fire();
    }, delay);
  }

  clear(): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#at = Infinity;
  }
}
