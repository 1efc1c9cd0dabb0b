import * as z from 'zod';
import { parseTimeSpan } from '../../core/timeSpan.js';

// host.json values, with the messages the host's options validation gives.
export const positiveInt = z
  .number({ error: 'must be a positive integer' })
  .refine((v) => Number.isInteger(v) && v >= 1, { error: 'must be a positive integer' });
/** A positive integer, or -1 where the setting means "no limit". */
export const limitOrUnbounded = z
  .number({ error: 'must be a positive integer, or -1 for no limit' })
  .refine((v) => Number.isInteger(v) && (v === -1 || v >= 1), {
    error: 'must be a positive integer, or -1 for no limit',
  });
export const flag = z.boolean({ error: 'must be true or false' });
export const text = z.string({ error: 'must be a string' });
/** A .NET TimeSpan string (`00:05:00`), as milliseconds; negative means "no limit" in the extensions that allow it. */
export const timeSpanMs = z.string({ error: 'must be a TimeSpan string like "00:05:00"' }).transform((text, ctx) => {
  try {
    return parseTimeSpan(text, 'value');
  } catch {
    ctx.addIssue({ code: 'custom', message: `must be a TimeSpan like "00:05:00", got ${JSON.stringify(text)}` });
    return z.NEVER;
  }
});

function describeIssue(issue: z.core.$ZodIssue, where: string, known: readonly string[]): string {
  const at = [where, ...issue.path.map(String)].join('.');
  if (issue.code === 'unrecognized_keys') {
    return `'${at}' has unknown setting(s) ${issue.keys.map((k) => `'${k}'`).join(', ')} (known: ${known.join(', ')})`;
  }
  return `'${at}' ${issue.message}`;
}

/**
 * Parses one `host.json` section with `schema` (a strict object: unknown keys are refused, naming them and the
 * known ones). Keys match ignoring case, as .NET configuration binding does, so `MaxConcurrentCalls` counts too.
 */
export function parseSection<Shape extends z.ZodRawShape>(
  schema: z.ZodObject<Shape, z.core.$strict>,
  section: Record<string, unknown>,
  where: string,
): z.infer<z.ZodObject<Shape, z.core.$strict>> {
  const known = Object.keys(schema.shape);
  const byLower = new Map(known.map((k) => [k.toLowerCase(), k]));
  const input = Object.create(null) as Record<string, unknown>;
  for (const [key, value] of Object.entries(section)) input[byLower.get(key.toLowerCase()) ?? key] = value;
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new Error(`host.json: ${result.error.issues.map((i) => describeIssue(i, where, known)).join('; ')}.`);
}
