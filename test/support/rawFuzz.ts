import { rawRequest, type RawResponse } from '../host/helpers/rawHttp.js';

/** Seeded choices, so every run of a fuzz test sends the same requests and a failure can be replayed. */
export type Fuzz = { pick<T>(items: readonly T[]): T; chance(p: number): boolean };

export function seededFuzz(seed: number): Fuzz {
  const next = mulberry32(seed);
  return { pick: (items) => items[Math.floor(next() * items.length)]!, chance: (p) => next() < p };
}

/** mulberry32: a small seeded generator of numbers in [0, 1). */
function mulberry32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** One request as the bytes to send, and a line naming it in failure messages. */
export type RawCall = { bytes: Buffer; what: string };

export type RawRun = {
  /** Each call whose answer `check` refused, or that got no answer, with why. */
  failures: { what: string; why: string }[];
  /** How many answers each status had. */
  statuses: Map<number, number>;
  /** The statuses as `200×12 404×3`, for assertion messages. */
  summary: string;
};

/**
 * Sends every call on a connection of its own, `concurrency` at a time, and has `check` judge each answer
 * (undefined when it keeps the rules, else why not). A call that gets no answer within `timeoutMs` fails too.
 */
export async function sendRawCalls<C extends RawCall>(
  port: number,
  calls: readonly C[],
  options: { concurrency: number; timeoutMs: number; check: (response: RawResponse, call: C) => string | undefined },
): Promise<RawRun> {
  const failures: RawRun['failures'] = [];
  const statuses = new Map<number, number>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < calls.length) {
      const call = calls[next++]!;
      try {
        const response = await rawRequest(port, call.bytes, '127.0.0.1', options.timeoutMs);
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        const why = options.check(response, call);
        if (why) failures.push({ what: call.what, why });
      } catch (error) {
        failures.push({ what: call.what, why: (error as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const summary = [...statuses]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status}×${n}`)
    .join(' ');
  return { failures, statuses, summary };
}
