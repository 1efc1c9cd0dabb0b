import type { HostContainer } from '../shared/hostContainer.js';
import type { TimerSchedule } from './schedule.js';
import { formatLocal } from './schedule.js';

/** `default(DateTime)`: what the host records for a time it does not know yet. */
export const NEVER = Date.parse('0001-01-01T00:00:00Z');

export type ScheduleStatus = { last: number; next: number; lastUpdated: number };

/**
 * A timer's schedule status in the blob `timers/<hostId>/<timerName>/status` of `azure-webjobs-hosts`, as the
 * host's storage schedule monitor keeps it (`{"Last","Next","LastUpdated"}`), so a restart knows what it missed.
 */
export class ScheduleMonitor {
  readonly #container: HostContainer;
  readonly #blobName: string;
  readonly #timeZone: string | undefined;

  constructor(container: HostContainer, hostId: string, timerName: string, timeZone: string | undefined) {
    this.#container = container;
    this.#blobName = `timers/${hostId}/${timerName}/status`;
    this.#timeZone = timeZone;
  }

  async get(): Promise<ScheduleStatus | undefined> {
    const content = await this.#container.read(this.#blobName);
    if (!content) return undefined;
    const json = JSON.parse(content.toString('utf8')) as { Last: string; Next: string; LastUpdated: string };
    return { last: Date.parse(json.Last), next: Date.parse(json.Next), lastUpdated: Date.parse(json.LastUpdated) };
  }

  async update(status: ScheduleStatus): Promise<void> {
    const format = (ms: number) => formatLocal(ms, this.#timeZone);
    const body = JSON.stringify({
      Last: format(status.last),
      Next: format(status.next),
      LastUpdated: format(status.lastUpdated),
    });
    await this.#container.write(this.#blobName, body);
  }

  /**
   * Whether an occurrence was missed while no host ran, as the host's monitor decides it: a new timer records its
   * next occurrence; a schedule that changed is re-based (not past due); otherwise past due when now is after the
   * recorded next occurrence. Returns the status to start from.
   */
  async checkPastDue(
    now: number,
    schedule: TimerSchedule,
    last: ScheduleStatus | undefined,
  ): Promise<{ status: ScheduleStatus; pastDue: boolean }> {
    if (!last) {
      const status = { last: NEVER, next: schedule.next(now), lastUpdated: now };
      await this.update(status);
      return { status, pastDue: false };
    }
    const base = last.last !== NEVER ? last.last : last.lastUpdated !== NEVER ? last.lastUpdated : now;
    let expected = schedule.next(base);
    let status = last;
    if (last.next !== expected) {
      let lastUpdated = base;
      if (now > expected) {
        expected = schedule.next(now);
        lastUpdated = now;
      }
      status = { last: NEVER, next: expected, lastUpdated };
      await this.update(status);
    }
    return { status, pastDue: now > status.next };
  }
}
