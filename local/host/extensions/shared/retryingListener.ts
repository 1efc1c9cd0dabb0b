import type { Clock, ClockTimer } from '../../../shared/clock.js';
import type { LogEntry } from '../../core/logger.js';
import type { TriggerListener } from './bindingAdapter.js';

/** The host's listener retry: randomized exponential back-off from 2 s up to 2 min between attempts. */
const MIN_RETRY_MS = 2_000;
const MAX_RETRY_MS = 120_000;

/** Before retry `attempt + 1`: at random between 2 s and a ceiling that doubles with each attempt. */
function nextDelay(attempt: number, random: () => number): number {
  const ceiling = Math.min(MAX_RETRY_MS, MIN_RETRY_MS * 2 ** attempt);
  return MIN_RETRY_MS + random() * (ceiling - MIN_RETRY_MS);
}

/**
 * A trigger listener whose start failed for a reason that can pass (its entity does not exist yet), started as
 * the Functions host starts one with partial host start-up: the failure is logged, the rest of the app runs, and
 * the start is tried again in the background until it succeeds or the listener is closed.
 */
export function retryingListener(
  functionName: string,
  firstError: unknown,
  start: () => TriggerListener,
  deps: { clock: Clock; log(entry: LogEntry): void; random?: () => number },
): TriggerListener {
  const name = `Functions.${functionName}`;
  const random = deps.random ?? Math.random;
  const log = (level: LogEntry['level'], message: string) => deps.log({ level, category: 'Host.Startup', message });
  log('error', `The listener for function '${name}' was unable to start. ${(firstError as Error).message}`);
  let started: TriggerListener | undefined;
  let timer: ClockTimer | undefined;
  let attempt = 0;
  const retry = () => {
    attempt++;
    log('information', `Retrying to start listener for function '${name}' (Attempt ${attempt})`);
    try {
      started = start();
      timer = undefined;
      log('information', `Listener successfully started for function '${name}' after ${attempt} retries.`);
    } catch (error) {
      log('error', `The listener for function '${name}' was unable to start. ${(error as Error).message}`);
      timer = deps.clock.setTimeout(retry, nextDelay(attempt, random));
    }
  };
  timer = deps.clock.setTimeout(retry, nextDelay(0, random));
  return {
    close: async () => {
      if (timer !== undefined) deps.clock.clearTimeout(timer);
      timer = undefined;
      await started?.close();
    },
  };
}
