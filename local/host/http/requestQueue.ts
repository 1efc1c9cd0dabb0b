/** `extensions.http` limits of host.json; -1 means unbounded, as in the Functions host. */
export type RequestLimits = { maxConcurrentRequests: number; maxOutstandingRequests: number };

/**
 * The host's HTTP request queue: at most `maxConcurrentRequests` HTTP functions run at once, the others wait in
 * arrival order, and once `maxOutstandingRequests` are running or waiting, further requests are refused (the
 * pipeline answers 429) instead of piling up until every caller times out.
 */
export class RequestQueue {
  readonly #limits: RequestLimits;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limits: RequestLimits) {
    this.#limits = limits;
  }

  /** Runs `work` in its turn; resolves false at once, without running it, when the queue is full. */
  async run(work: () => Promise<void>): Promise<boolean> {
    const { maxConcurrentRequests, maxOutstandingRequests } = this.#limits;
    if (maxOutstandingRequests !== -1 && this.#running + this.#waiting.length >= maxOutstandingRequests) return false;
    if (maxConcurrentRequests !== -1 && this.#running >= maxConcurrentRequests) {
      // The finishing request hands its slot over, so nobody arriving meanwhile can take it.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      await work();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running--;
    }
    return true;
  }
}
