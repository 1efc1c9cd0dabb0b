import type { BindingInfo } from './functionIndex.js';

/** Binding data of one invocation (HTTP: body properties, query, route values, Query, Headers). */
export type BindingData = Record<string, unknown>;

export type ExpressionContext = {
  setting: (name: string) => string | undefined;
  now: () => number;
  newGuid: () => string;
};

// Properties that are not binding expressions: identity of the binding, and the *name* of a connection setting.
const NOT_RESOLVED = new Set(['name', 'type', 'direction', 'datatype', 'connection']);

function lookup(source: unknown, key: string): unknown {
  if (typeof source !== 'object' || source === null) return undefined;
  const record = source as Record<string, unknown>;
  // Own properties only: `{constructor}` or `{toString}` must not resolve to what every object inherits.
  if (Object.hasOwn(record, key)) return record[key];
  const lower = key.toLowerCase();
  const match = Object.keys(record).find((k) => k.toLowerCase() === lower);
  return match === undefined ? undefined : record[match];
}

const pad = (n: number, width = 2): string => String(n).padStart(width, '0');

/** A .NET custom DateTime format for UTC times (the tokens binding expressions use). */
function formatDate(time: number, format: string): string {
  const d = new Date(time);
  const tokens: Record<string, () => string> = {
    yyyy: () => pad(d.getUTCFullYear(), 4),
    MM: () => pad(d.getUTCMonth() + 1),
    dd: () => pad(d.getUTCDate()),
    HH: () => pad(d.getUTCHours()),
    mm: () => pad(d.getUTCMinutes()),
    ss: () => pad(d.getUTCSeconds()),
    fff: () => pad(d.getUTCMilliseconds(), 3),
    K: () => 'Z',
  };
  return format.replace(/yyyy|MM|dd|HH|mm|ss|fff|K/g, (t) => tokens[t]?.() ?? t);
}

function formatGuid(guid: string, format: string | undefined): string {
  switch ((format ?? 'D').toUpperCase()) {
    case 'N':
      return guid.replace(/-/g, '');
    case 'B':
      return `{${guid}}`;
    case 'P':
      return `(${guid})`;
    case 'D':
      return guid;
    default:
      throw new Error(`'${format}' is not a valid Guid format (use N, D, B or P).`);
  }
}

// The host's default DateTime format in binding expressions: path-safe, 'Z' for UTC.
const DEFAULT_DATE_FORMAT = 'yyyy-MM-ddTHH-mm-ssK';

function evaluate(expression: string, data: BindingData, ctx: ExpressionContext, functionName: string): string {
  const [path = '', format] = expression.split(/:(.*)/s, 2);
  const key = path.trim().toLowerCase();
  if (key === 'rand-guid' || key === 'sys.randguid') return formatGuid(ctx.newGuid(), format);
  if (key === 'datetime' || key === 'sys.utcnow') return formatDate(ctx.now(), format ?? DEFAULT_DATE_FORMAT);
  if (key === 'sys.methodname') return functionName;
  let value: unknown = data;
  for (const part of path.trim().split('.')) value = lookup(value, part);
  if (value === undefined || value === null) throw new Error(`No value for named parameter '${path.trim()}'.`);
  if (typeof value === 'object') {
    throw new Error(`The binding expression '{${path.trim()}}' resolves to an object; only simple values can be used.`);
  }
  return String(value);
}

/** Resolves `%AppSetting%` tokens, as the host's name resolver does. */
export function resolveAppSettingTokens(text: string, setting: (name: string) => string | undefined): string {
  return text.replace(/%([^%]+)%/g, (_, name: string) => {
    const value = setting(name);
    if (value === undefined) throw new Error(`'%${name}%' does not resolve to a value.`);
    return value;
  });
}

/** Resolves `%setting%` and then `{expression}` tokens in one binding property value. */
export function resolveTemplate(text: string, data: BindingData, ctx: ExpressionContext, functionName: string): string {
  const withSettings = resolveAppSettingTokens(text, ctx.setting);
  return withSettings.replace(/\{([^{}]+)\}/g, (_, expr: string) => evaluate(expr, data, ctx, functionName));
}

/** A copy of a non-trigger binding with every expression-bearing string property resolved. */
export function resolveBinding(
  binding: BindingInfo,
  data: BindingData,
  ctx: ExpressionContext,
  functionName: string,
): BindingInfo {
  const resolved: BindingInfo = { ...binding };
  for (const [key, value] of Object.entries(binding)) {
    if (typeof value === 'string' && !NOT_RESOLVED.has(key.toLowerCase())) {
      resolved[key] = resolveTemplate(value, data, ctx, functionName);
    }
  }
  return resolved;
}
