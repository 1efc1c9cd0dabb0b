import type { Clock, ClockTimer } from '../../../shared/clock.js';
import type { FunctionInfo } from '../../core/functionIndex.js';
import type { TriggerHost } from '../shared/bindingAdapter.js';
import { NEVER, type ScheduleMonitor, type ScheduleStatus } from './scheduleMonitor.js';
import { formatLocal, type TimerSchedule } from './schedule.js';

// setTimeout holds at most 2^31-1 ms (24.8 days); longer waits are taken in 24-day steps, as the host does.
const MAX_WAIT_MS = 24 * 86_400_000;

export type TimerListenerDeps = {
  fn: FunctionInfo;
  host: TriggerHost;
  schedule: TimerSchedule;
  /** Undefined when useMonitor is off (or the schedule runs more often than once a minute). */
  monitor: ScheduleMonitor | undefined;
  runOnStartup: boolean;
  clock: Clock;
};

type Unscheduled = { reason: 'IsPastDue'; originalSchedule: number } | { reason: 'RunOnStartup' };

/** The timer object the Node library expects (it camel-cases the keys): schedule, status, past due. */
export function timerInfo(schedule: TimerSchedule, status: ScheduleStatus | undefined, isPastDue: boolean): string {
  const at = (ms: number) => formatLocal(ms, schedule.timeZone);
  return JSON.stringify({
    Schedule: { AdjustForDST: schedule.adjustForDst },
    ScheduleStatus: status
      ? { Last: at(status.last), Next: at(status.next), LastUpdated: at(status.lastUpdated) }
      : null,
    IsPastDue: isPastDue,
  });
}

/**
 * Runs one timer function on its schedule as the timer extension's listener does: a missed occurrence (per the
 * schedule monitor) or `runOnStartup` fires once at start; each run finishes before the next is timed, so a
 * function never overlaps itself; after every run the status moves on and is saved.
 */
export class TimerListener {
  readonly #deps: TimerListenerDeps;
  #status: ScheduleStatus = { last: NEVER, next: NEVER, lastUpdated: NEVER };
  #timer: ClockTimer | undefined;
  #running: Promise<void> = Promise.resolve();
  #closed = false;

  constructor(deps: TimerListenerDeps) {
    this.#deps = deps;
  }

  async start(): Promise<void> {
    const { monitor, schedule, clock, runOnStartup, host, fn } = this.#deps;
    const now = clock.now();
    let pastDue = false;
    if (monitor) {
      const checked = await monitor.checkPastDue(now, schedule, await monitor.get());
      this.#status = checked.status;
      pastDue = checked.pastDue;
    } else {
      this.#status = { last: NEVER, next: schedule.next(now), lastUpdated: NEVER };
    }
    host.log({ level: 'information', category: `Host.Triggers.Timer`, message: this.#occurrences(now) });
    if (pastDue) this.#arm(0, { reason: 'IsPastDue', originalSchedule: this.#status.next });
    else if (runOnStartup) this.#arm(0, { reason: 'RunOnStartup' });
    else this.#arm(this.#status.next - now);
    host.log({ level: 'debug', category: `Function.${fn.name}`, message: `Timer listener started (${fn.name})` });
  }

  /** Stops timing; a run in progress finishes first. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** The current status, for an admin run's timer object. */
  get status(): ScheduleStatus {
    return this.#status;
  }

  #occurrences(now: number): string {
    const { schedule, fn } = this.#deps;
    const lines: string[] = [];
    let at = now;
    for (let i = 0; i < 5; i++) {
      at = schedule.next(at);
      lines.push(formatLocal(at, schedule.timeZone));
    }
    return `The next 5 occurrences of the '${fn.name}' schedule (${schedule.description}) will be:\n${lines.join('\n')}`;
  }

  #arm(waitMs: number, unscheduled?: Unscheduled): void {
    if (this.#closed) return;
    const wait = Math.max(0, waitMs);
    this.#timer = this.#deps.clock.setTimeout(
      () => {
        this.#timer = undefined;
        if (wait > MAX_WAIT_MS) return this.#arm(wait - MAX_WAIT_MS, unscheduled);
        this.#running = this.#fire(unscheduled).finally(() => this.#arm(this.#status.next - this.#deps.clock.now()));
      },
      Math.min(wait, MAX_WAIT_MS),
    );
  }

  async #fire(unscheduled: Unscheduled | undefined): Promise<void> {
    const { host, fn, schedule, monitor, clock } = this.#deps;
    const { timeZone } = schedule;
    if (this.#closed) return;
    const invocationTime = clock.now();
    const details = unscheduled
      ? `Trigger Details: UnscheduledInvocationReason: ${unscheduled.reason}` +
        (unscheduled.reason === 'IsPastDue'
          ? `, OriginalSchedule: ${formatLocal(unscheduled.originalSchedule, timeZone)}`
          : '')
      : undefined;
    // The function sees the status as it was before this run (Next = this occurrence), as in Azure.
    await host.invoke(fn.name, {
      triggerData: {
        json: timerInfo(schedule, monitor ? this.#status : undefined, unscheduled?.reason === 'IsPastDue'),
      },
      reason: `Timer fired at ${formatLocal(invocationTime, timeZone)}`,
      details,
    });
    // A run that fired a little early counts from its occurrence, so the same occurrence is never due twice.
    const adjusted = !unscheduled && this.#status.next > invocationTime ? this.#status.next : invocationTime;
    this.#status = { last: adjusted, next: schedule.next(adjusted), lastUpdated: adjusted };
    await monitor?.update(this.#status).catch((error: Error) =>
      host.log({
        level: 'error',
        category: `Function.${fn.name}`,
        message: `Function '${fn.name}' failed to update the timer trigger status: ${error.message}`,
      }),
    );
  }
}
