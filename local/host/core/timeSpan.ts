const TIME_SPAN = /^(-)?(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?$/;

/** Parses a .NET TimeSpan string as host.json uses them (`[-][d.]hh:mm:ss[.fffffff]`) into milliseconds. */
export function parseTimeSpan(value: string, field: string): number {
  const match = TIME_SPAN.exec(value.trim());
  if (!match)
    throw new Error(`host.json: '${field}' must be a TimeSpan like "00:05:00", got ${JSON.stringify(value)}.`);
  const [, minus, days, hours, minutes, seconds, fraction] = match;
  const ms =
    ((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 +
    Number(seconds) * 1000 +
    Math.round(Number(`0.${fraction ?? '0'}`) * 1000);
  return minus ? -ms : ms;
}
