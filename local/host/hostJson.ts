import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RequestLimits } from './http/requestQueue.js';
import { parseTimeSpan } from './timeSpan.js';

/** The parts of host.json the local host acts on. */
export type HostConfig = {
  /** `extensions.http.routePrefix`, default `api`; `''` means no prefix. */
  routePrefix: string;
  /** `extensions.http` request limits (-1 = unbounded, the default) and whether dynamic throttles were asked for. */
  http: RequestLimits & { dynamicThrottlesEnabled: boolean };
  serviceBus: {
    maxConcurrentCalls: number;
    autoCompleteMessages: boolean;
    /** Negative = renew without limit (the extension's `-00:00:00.0010000`). */
    maxAutoLockRenewalDurationMs: number;
  };
  /** Where the file was read from, or undefined when the default was used. */
  path: string | undefined;
};

const SERVICE_BUS_DEFAULTS: HostConfig['serviceBus'] = {
  // The extension uses 16 x processor count; the docs table says 16. Locally one "instance" runs, so 16.
  maxConcurrentCalls: 16,
  autoCompleteMessages: true,
  maxAutoLockRenewalDurationMs: 5 * 60_000,
};

const HTTP_DEFAULTS: HostConfig['http'] = {
  maxConcurrentRequests: -1,
  maxOutstandingRequests: -1,
  dynamicThrottlesEnabled: false,
};

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function objectAt(parent: JsonObject, key: string, field: string): JsonObject | undefined {
  const value = parent[key];
  if (value === undefined) return undefined;
  if (!isObject(value)) throw new Error(`host.json: '${field}' must be an object.`);
  return value;
}

/** Reads and validates `<appDir>/host.json` with the Functions host's rules and messages. */
export function readHostJson(appDir: string): HostConfig {
  const path = join(appDir, 'host.json');
  if (!existsSync(path)) {
    // The host writes a default file here; the local host leaves the folder alone and uses the default.
    return { routePrefix: 'api', http: { ...HTTP_DEFAULTS }, serviceBus: { ...SERVICE_BUS_DEFAULTS }, path: undefined };
  }
  const text = readFileSync(path, 'utf8');
  return parseHostJson(text.trim() === '' ? '{"version":"2.0"}' : text, path);
}

export function parseHostJson(text: string, path: string): HostConfig {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`Unable to parse host configuration file '${path}': ${(error as Error).message}`);
  }
  if (!isObject(json)) throw new Error(`host.json at '${path}' must contain a JSON object.`);
  if (json.version === undefined) {
    throw new Error(
      "The host.json file is missing the required 'version' property. See https://aka.ms/functions-hostjson for steps to migrate the configuration file.",
    );
  }
  if (json.version !== '2.0') {
    throw new Error(
      `'${String(json.version)}' is an invalid value for host.json 'version' property. We recommend you set the 'version' property to '2.0'.`,
    );
  }
  const extensions = objectAt(json, 'extensions', 'extensions') ?? {};
  const http = objectAt(extensions, 'http', 'extensions.http') ?? {};
  const routePrefix = http.routePrefix ?? 'api';
  if (typeof routePrefix !== 'string') throw new Error("host.json: 'extensions.http.routePrefix' must be a string.");
  const httpLimits = { ...HTTP_DEFAULTS };
  for (const key of ['maxConcurrentRequests', 'maxOutstandingRequests'] as const) {
    const value = http[key];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || ((value as number) < 1 && value !== -1)) {
      throw new Error(`host.json: 'extensions.http.${key}' must be a positive integer, or -1 for no limit.`);
    }
    httpLimits[key] = value as number;
  }
  if (http.dynamicThrottlesEnabled !== undefined) {
    if (typeof http.dynamicThrottlesEnabled !== 'boolean') {
      throw new Error("host.json: 'extensions.http.dynamicThrottlesEnabled' must be true or false.");
    }
    httpLimits.dynamicThrottlesEnabled = http.dynamicThrottlesEnabled;
  }

  const sb = objectAt(extensions, 'serviceBus', 'extensions.serviceBus') ?? {};
  const serviceBus = { ...SERVICE_BUS_DEFAULTS };
  if (sb.maxConcurrentCalls !== undefined) {
    if (!Number.isInteger(sb.maxConcurrentCalls) || (sb.maxConcurrentCalls as number) < 1) {
      throw new Error("host.json: 'extensions.serviceBus.maxConcurrentCalls' must be a positive integer.");
    }
    serviceBus.maxConcurrentCalls = sb.maxConcurrentCalls as number;
  }
  if (sb.autoCompleteMessages !== undefined) {
    if (typeof sb.autoCompleteMessages !== 'boolean') {
      throw new Error("host.json: 'extensions.serviceBus.autoCompleteMessages' must be true or false.");
    }
    serviceBus.autoCompleteMessages = sb.autoCompleteMessages;
  }
  if (sb.maxAutoLockRenewalDuration !== undefined) {
    if (typeof sb.maxAutoLockRenewalDuration !== 'string') {
      throw new Error("host.json: 'extensions.serviceBus.maxAutoLockRenewalDuration' must be a TimeSpan string.");
    }
    serviceBus.maxAutoLockRenewalDurationMs = parseTimeSpan(
      sb.maxAutoLockRenewalDuration,
      'extensions.serviceBus.maxAutoLockRenewalDuration',
    );
  }
  return { routePrefix: routePrefix.replace(/^\/+|\/+$/g, ''), http: httpLimits, serviceBus, path };
}
