import type { Clock } from './clock.js';
import { describeDuration } from './clock.js';
import { DeployError } from './deployError.js';

/** One look at something the deployment waits for: done with a value, or not yet with what was seen. */
export type Probe<T> = () => Promise<{ done: true; value: T } | { done: false; seen: string }>;

export type PollOptions<T> = {
  clock: Clock;
  /** What is awaited, for the messages: "the Function App host to run". */
  what: string;
  timeoutMs: number;
  intervalMs: number;
  probe: Probe<T>;
  log: (line: string) => void;
  /** What to do if the bound is reached, e.g. the command that resumes. */
  hint: string;
};

/**
 * Probes until done or until `timeoutMs` of clock time has passed, sleeping `intervalMs` between probes. The
 * bound is on the clock, not on a count, so slow probes cannot stretch it.
 */
export async function pollUntil<T>(options: PollOptions<T>): Promise<T> {
  const { clock, what, timeoutMs, intervalMs, probe, log } = options;
  const start = clock.now();
  let lastSeen = '';
  for (let attempt = 1; ; attempt++) {
    const result = await probe();
    if (result.done) return result.value;
    lastSeen = result.seen;
    const elapsed = clock.now() - start;
    if (elapsed + intervalMs > timeoutMs) break;
    if (attempt === 1) log(`# waiting for ${what} (at most ${describeDuration(timeoutMs)}): ${lastSeen}`);
    else log(`#   still waiting after ${describeDuration(elapsed)}: ${lastSeen}`);
    await clock.sleep(intervalMs);
  }
  throw new DeployError(
    `Gave up waiting for ${what} after ${describeDuration(timeoutMs)}; last seen: ${lastSeen}`,
    options.hint,
  );
}
