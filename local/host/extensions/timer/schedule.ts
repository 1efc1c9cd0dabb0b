import { Cron } from 'croner';
import { WINDOWS_TO_IANA_MAP } from 'windows-iana';
import { parseTimeSpan } from '../../core/timeSpan.js';

/** A timer's schedule: NCRONTAB (five or six fields, seconds first) in a time zone, or a constant TimeSpan. */
export type TimerSchedule = {
  /** The first occurrence strictly after `after` (ms since the epoch). */
  next(after: number): number;
  /** What the timer object's `schedule.adjustForDST` says: cron schedules follow DST, constant ones do not. */
  readonly adjustForDst: boolean;
  /** `Cron: '0 0 * * * *'` or `Constant: 00:05:00`, as the host prints schedules. */
  readonly description: string;
  /** Occurrences less than a minute apart: the host then keeps no schedule status (useMonitor off). */
  readonly subMinute: boolean;
  /** The zone its times are written in (undefined: this machine's). */
  readonly timeZone: string | undefined;
};

/** `WEBSITE_TIME_ZONE` as read: its tz database zone (undefined when unset), or why it names none. */
export type TimeZoneSetting = { zone: string | undefined } | { error: string };

// NCRONTAB knows numbers, names, ranges, lists and steps; the Quartz extras croner also takes are refused.
const NOT_NCRONTAB = /[?LW#@]/i;

/** An NCRONTAB schedule, or undefined for an expression that is none; throws for a zone it cannot be read in. */
function cronSchedule(expression: string, zoneSetting: TimeZoneSetting): TimerSchedule | undefined {
  const fields = expression.trim().split(/\s+/);
  if ((fields.length !== 5 && fields.length !== 6) || NOT_NCRONTAB.test(expression)) return undefined;
  const timeZone = 'zone' in zoneSetting ? zoneSetting.zone : undefined;
  let cron: Cron;
  try {
    // NCRONTAB requires both day fields to match (vixie cron takes either).
    cron = new Cron(fields.join(' '), { timezone: timeZone, domAndDow: true, paused: true });
  } catch {
    return undefined;
  }
  if ('error' in zoneSetting) throw new Error(zoneSetting.error);
  const withSeconds = fields.length === 6 ? fields : ['0', ...fields];
  const everyMinuteOrMore = withSeconds.slice(1).every((f) => f === '*');
  const next = (after: number): number => {
    const at = cron.nextRun(new Date(after));
    if (!at) throw new Error(`The schedule '${expression}' has no further occurrences.`);
    return at.getTime();
  };
  const now = Date.now();
  return {
    next,
    adjustForDst: true,
    description: `Cron: '${withSeconds.join(' ')}'`,
    subMinute: everyMinuteOrMore && next(next(now)) - next(now) < 60_000,
    timeZone,
  };
}

/** .NET `TimeSpan.TryParse` forms: `d`, `hh:mm`, `[d.]hh:mm:ss[.f]`. */
function timeSpanMs(text: string): number | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 86_400_000;
  if (/^\d{1,2}:\d{1,2}$/.test(trimmed)) return parseTimeSpan(`${trimmed}:00`, 'schedule');
  try {
    return parseTimeSpan(trimmed, 'schedule');
  } catch {
    return undefined;
  }
}

function formatTimeSpan(ms: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  const days = Math.floor(ms / 86_400_000);
  const clock = `${pad(Math.floor(ms / 3_600_000) % 24)}:${pad(Math.floor(ms / 60_000) % 60)}:${pad(Math.floor(ms / 1000) % 60)}`;
  return days > 0 ? `${days}.${clock}` : clock;
}

/**
 * Parses a resolved schedule as the timer extension does: NCRONTAB first, then a TimeSpan. Only NCRONTAB reads the
 * zone, as in Azure: a TimeSpan is a constant interval whatever the zone, whose times are written in UTC when the
 * setting names no zone (as .NET does with a TZ it cannot find).
 */
export function parseSchedule(expression: string, zoneSetting: TimeZoneSetting): TimerSchedule {
  const cron = cronSchedule(expression, zoneSetting);
  if (cron) return cron;
  const interval = timeSpanMs(expression);
  if (interval === undefined || interval <= 0) {
    throw new Error(
      `The schedule expression '${expression}' was not recognized as a valid cron expression or timespan string.`,
    );
  }
  return {
    next: (after) => after + interval,
    adjustForDst: false,
    description: `Constant: ${formatTimeSpan(interval)}`,
    subMinute: interval < 60_000,
    timeZone: 'zone' in zoneSetting ? zoneSetting.zone : 'UTC',
  };
}

/** A Windows time-zone id as its tz database zone (CLDR's mapping, the zone of territory 001); ids ignore case. */
function zoneOfWindowsId(id: string): string | undefined {
  const lower = id.toLowerCase();
  return WINDOWS_TO_IANA_MAP.find((zone) => zone.territory === '001' && zone.windowsName.toLowerCase() === lower)
    ?.iana[0];
}

/**
 * `WEBSITE_TIME_ZONE`: a tz database name (what Linux plans take) or a Windows time-zone id (what Windows plans
 * take), as the host on .NET accepts both; unset = this machine's zone, as with `func start`.
 */
export function timeZoneFrom(setting: (name: string) => string | undefined): TimeZoneSetting {
  const zone = setting('WEBSITE_TIME_ZONE')?.trim();
  if (!zone) return { zone: undefined };
  const timeZone = zoneOfWindowsId(zone) ?? zone;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
  } catch {
    return {
      error: `WEBSITE_TIME_ZONE '${zone}' is neither a tz database name (as Linux plans take, e.g. 'America/New_York') nor a Windows time zone id (as Windows plans take, e.g. 'Eastern Standard Time').`,
    };
  }
  return { zone: timeZone };
}

// One formatter per zone: building one costs ~5 ms, and a timer's start formats eight times (status, occurrences).
const offsetFormats = new Map<string, Intl.DateTimeFormat>();

function offsetFormat(timeZone: string): Intl.DateTimeFormat {
  let format = offsetFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' });
    offsetFormats.set(timeZone, format);
  }
  return format;
}

/** Minutes east of UTC in `timeZone` at `ms`; this machine's zone when none is named. */
function offsetMinutes(ms: number, timeZone: string | undefined): number {
  // The machine's zone needs no formatter: the first one a process builds loads ICU's zone data (~30 ms).
  if (timeZone === undefined) return -new Date(ms).getTimezoneOffset();
  const parts = offsetFormat(timeZone).formatToParts(new Date(ms));
  const name = parts.find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(name);
  return match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
}

/** A time as .NET writes a local DateTime in ISO form: wall-clock time in `timeZone` with its offset. */
export function formatLocal(ms: number, timeZone: string | undefined): string {
  const offsetMin = offsetMinutes(ms, timeZone);
  const local = new Date(ms + offsetMin * 60_000).toISOString().replace(/\.?0*Z$/, '');
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}
