import type { HostLogger, LogEntry } from '../../../local/host/index.js';

/** A HostLogger that keeps every entry and lets tests wait for one to appear. */
export class CaptureLogger implements HostLogger {
  readonly entries: LogEntry[] = [];
  #waiters: { predicate: (e: LogEntry) => boolean; resolve: (e: LogEntry) => void }[] = [];

  log(entry: LogEntry): void {
    this.entries.push(entry);
    for (const waiter of [...this.#waiters]) {
      if (waiter.predicate(entry)) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(entry);
      }
    }
  }

  messages(filter: (e: LogEntry) => boolean = () => true): string[] {
    return this.entries.filter(filter).map((e) => e.message);
  }

  /** Resolves with the first entry so far matching `predicate`, or else the next one to arrive. */
  find(predicate: (e: LogEntry) => boolean): Promise<LogEntry> {
    const existing = this.entries.find(predicate);
    return existing ? Promise.resolve(existing) : this.next(predicate);
  }

  /** Resolves with the next entry (from now on) matching `predicate`. */
  next(predicate: (e: LogEntry) => boolean): Promise<LogEntry> {
    return new Promise((resolve) => this.#waiters.push({ predicate, resolve }));
  }
}

/**
 * What a fixture app reported from its language worker: `context.log('<tag>:' + JSON.stringify(value))` inside an
 * invocation (ordered before the invocation's result), or `console.log` of the same outside one. Entries before
 * `from` (an index into `logger.entries`) are skipped.
 */
export function reported<T = unknown>(logger: CaptureLogger, tag: string, from = 0): T[] {
  const prefix = `${tag}:`;
  return logger.entries
    .slice(from)
    .filter((e) => e.message.startsWith(prefix))
    .map((e) => JSON.parse(e.message.slice(prefix.length)) as T);
}
