import type { ManualClock } from '../../../local/shared/clock.js';

/**
 * Moves `clock` in steps of `stepMs` until `promise` settles, letting real I/O (the worker, Azurite) answer in
 * between: timers on the clock fire at their own times, with no timed sleeps in the test.
 */
export async function advanceUntil<T>(clock: ManualClock, promise: Promise<T>, stepMs = 500): Promise<T> {
  let settled = false;
  promise.then(
    () => (settled = true),
    () => (settled = true),
  );
  for (let i = 0; i < 600 && !settled; i++) {
    clock.advance(stepMs);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  return promise;
}
