const pattern =
  /^P(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?=\d)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

const unitMs = [7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000];

/**
 * Parses the ISO-8601 durations the Service Bus Config.json uses (PT1M, PT5M, P1D, P10675199DT2H48M5.4775807S).
 * Years and months are refused because their length depends on the calendar.
 * Returns undefined when the text is not such a duration.
 */
export function parseIsoDuration(text: string): number | undefined {
  const match = pattern.exec(text.trim().toUpperCase());
  if (!match || text.trim().length <= 1) return undefined;
  const parts = match.slice(1);
  if (parts.every((part) => part === undefined)) return undefined;
  return parts.reduce((total, part, index) => total + (part === undefined ? 0 : Number(part) * unitMs[index]!), 0);
}
