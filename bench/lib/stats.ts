/** Latency percentiles in milliseconds, from individual samples. */
export type Percentiles = { count: number; mean: number; p50: number; p90: number; p99: number; max: number };

export function percentiles(samplesMs: readonly number[]): Percentiles {
  if (samplesMs.length === 0) return { count: 0, mean: NaN, p50: NaN, p90: NaN, p99: NaN, max: NaN };
  const sorted = Float64Array.from(samplesMs).sort();
  // Nearest-rank: the smallest sample with at least q of the samples at or below it.
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  let sum = 0;
  for (const value of sorted) sum += value;
  return {
    count: sorted.length,
    mean: sum / sorted.length,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: sorted[sorted.length - 1]!,
  };
}

export function median(values: readonly number[]): number {
  return percentiles(values).p50;
}

/** Milliseconds since an arbitrary origin, sub-millisecond resolution. */
export function nowMs(): number {
  return performance.now();
}

/** The round whose `value` is the median, so one round stands for the figure with all its numbers. */
export function medianRound<T>(rounds: readonly T[], value: (round: T) => number): T {
  const middle = median(rounds.map(value));
  return rounds.find((round) => value(round) === middle) ?? rounds[0]!;
}

/** Microseconds on CLOCK_MONOTONIC: the clock V8 stamps CPU profile samples with, the same in every process. */
export function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}
