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

  /** Resolves with the next entry (from now on) matching `predicate`. */
  next(predicate: (e: LogEntry) => boolean): Promise<LogEntry> {
    return new Promise((resolve) => this.#waiters.push({ predicate, resolve }));
  }
}
