import { encodeRequest, HttpConnection, type RequestSpec } from './httpClient.js';
import { nowMs, percentiles, type Percentiles } from './stats.js';

export type ClosedLoopOptions = {
  request: RequestSpec;
  /** Concurrent keep-alive connections, each with one request in flight. */
  connections: number;
  /** Measured period, after the warm-up. */
  durationMs: number;
  warmupMs: number;
  /** Status expected from every response (others count as errors). */
  expectStatus: number;
};

export type LoadResult = {
  completed: number;
  errors: number;
  /** First unexpected answer, to make a misconfigured run obvious. */
  firstError?: string;
  elapsedMs: number;
  /** Completed operations (requests, or whatever one loop iteration is) per second. */
  requestsPerSecond: number;
  latencyMs: Percentiles;
};

export type LoopOptions = {
  /** Concurrent loops, each with one operation in flight. */
  loops: number;
  /** Measured period, after the warm-up. */
  durationMs: number;
  warmupMs: number;
  /** One operation of loop `loop`; a throw counts as an error, its message as the first error. */
  operation(loop: number): Promise<void>;
  /** Whether loop `loop` can go on (a closed connection would otherwise fail in a tight loop). */
  usable?(loop: number): boolean;
};

/** Closed loop: each loop starts its next operation as soon as the previous one ends. */
export async function runClosedLoop(options: LoopOptions): Promise<LoadResult> {
  const start = nowMs();
  const measureFrom = start + options.warmupMs;
  const stopAt = measureFrom + options.durationMs;
  const latencies: number[] = [];
  let errors = 0;
  let firstError: string | undefined;
  const loop = async (i: number): Promise<void> => {
    while (nowMs() < stopAt && (options.usable?.(i) ?? true)) {
      const began = nowMs();
      try {
        await options.operation(i);
        if (began >= measureFrom) latencies.push(nowMs() - began);
      } catch (error) {
        errors++;
        firstError ??= (error as Error).message;
      }
    }
  };
  await Promise.all(Array.from({ length: options.loops }, (_, i) => loop(i)));
  const elapsedMs = nowMs() - measureFrom;
  return {
    completed: latencies.length,
    errors,
    firstError,
    elapsedMs,
    requestsPerSecond: (latencies.length / elapsedMs) * 1000,
    latencyMs: percentiles(latencies),
  };
}

/** HTTP closed loop: one keep-alive connection per loop, the same request again and again. */
export async function closedLoop(options: ClosedLoopOptions): Promise<LoadResult> {
  const bytes = encodeRequest(options.request);
  const connections = await Promise.all(
    Array.from({ length: options.connections }, () => HttpConnection.open(options.request.url)),
  );
  try {
    return await runClosedLoop({
      loops: connections.length,
      durationMs: options.durationMs,
      warmupMs: options.warmupMs,
      usable: (i) => !connections[i]!.closed,
      operation: async (i) => {
        const response = await connections[i]!.send(bytes);
        if (response.status !== options.expectStatus) {
          throw new Error(`${response.status} ${response.body.slice(0, 300)}`);
        }
      },
    });
  } finally {
    for (const connection of connections) connection.close();
  }
}

export type OpenLoopOptions = {
  /** Operations started per second, on schedule whatever the answers do. */
  ratePerSecond: number;
  durationMs: number;
  /** Operations still unanswered this long after the last start are given up (counted as lost). */
  drainMs: number;
  /** Starts one operation; `intendedAt` is its scheduled start (nowMs clock), the origin of its latency. */
  start(intendedAt: number): Promise<void>;
};

/**
 * Open loop: operations start at fixed intervals whether or not earlier ones finished, so a slow server
 * shows up as latency (measured from the scheduled time, avoiding coordinated omission) rather than as a
 * politely lower rate. Bounded: ratePerSecond × durationMs operations at most.
 */
export async function openLoop(options: OpenLoopOptions): Promise<{ started: number; failed: number; lost: number }> {
  const total = Math.round((options.ratePerSecond * options.durationMs) / 1000);
  const interval = 1000 / options.ratePerSecond;
  const begin = nowMs();
  let started = 0;
  let failed = 0;
  let finished = 0;
  const inFlight = new Set<Promise<void>>();
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const now = nowMs();
      while (started < total && begin + started * interval <= now) {
        const operation = options
          .start(begin + started * interval)
          .catch(() => void failed++)
          .finally(() => {
            finished++;
            inFlight.delete(operation);
          });
        inFlight.add(operation);
        started++;
      }
      if (started >= total) resolve();
      else setTimeout(tick, Math.max(0, begin + started * interval - nowMs()));
    };
    tick();
  });
  let timer: NodeJS.Timeout | undefined;
  const drained = await Promise.race([
    Promise.all(inFlight).then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), options.drainMs))),
  ]);
  clearTimeout(timer);
  return { started, failed, lost: drained ? 0 : started - finished };
}
