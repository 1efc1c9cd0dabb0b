/**
 * Time as the deployment sees it: every wait and every bound goes through one of these, so tests move time
 * instead of sleeping and can see that no step waits without a limit.
 */
export type Clock = {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** Calls `fire` once after `ms` unless the returned function is called first. */
  timeout(ms: number, fire: () => void): () => void;
};

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  timeout: (ms, fire) => {
    const timer = setTimeout(fire, ms);
    return () => clearTimeout(timer);
  },
};

export const SECOND = 1000;
export const MINUTE = 60 * SECOND;

/** `90000` → `1.5 minutes`, `30000` → `30 seconds`, for messages about bounds. */
export function describeDuration(ms: number): string {
  if (ms < MINUTE) return `${Math.round(ms / SECOND)} seconds`;
  const minutes = Math.round((ms / MINUTE) * 10) / 10;
  return `${minutes} minute${minutes === 1 ? '' : 's'}`;
}
