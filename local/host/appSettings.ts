import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LogEntry } from './core/logger.js';

/** `local.settings.json`, as Core Tools reads it. */
export type LocalSettings = {
  values: Record<string, string>;
  connectionStrings: Record<string, string>;
  localHttpPort: number | undefined;
  localHttpAddress: string | undefined;
  /** `Host.CORS` split on commas; empty = CORS off. */
  corsOrigins: string[];
  corsCredentials: boolean;
  path: string | undefined;
};

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Newtonsoft turns JSON scalars into strings this way (`true` → `True`). */
function settingText(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const EMPTY: LocalSettings = {
  values: {},
  connectionStrings: {},
  localHttpPort: undefined,
  localHttpAddress: undefined,
  corsOrigins: [],
  corsCredentials: false,
  path: undefined,
};

export function readLocalSettings(appDir: string, log: (entry: LogEntry) => void): LocalSettings {
  const path = join(appDir, 'local.settings.json');
  if (!existsSync(path)) return EMPTY;
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
    if (!isObject(json)) throw new Error('the file does not hold a JSON object');
  } catch (error) {
    log({
      level: 'warning',
      category: 'Host.General',
      message: `Failed to read app settings file at '${path}'. Ensure it is a valid JSON file. (${(error as Error).message})`,
    });
    return { ...EMPTY, path };
  }
  return { ...readHostSection(json, path), ...readValues(json, path, log), path };
}

function readValues(json: Json, path: string, log: (entry: LogEntry) => void) {
  const rawValues = json.Values ?? {};
  if (!isObject(rawValues)) throw new Error(`${path}: 'Values' must be an object of strings.`);
  // Core Tools treats a missing IsEncrypted as true and then tries to decrypt with DPAPI, which cannot work here.
  if (json.IsEncrypted !== false && Object.keys(rawValues).length > 0) {
    throw new Error(
      `${path}: settings are marked encrypted ("IsEncrypted" is ${json.IsEncrypted === undefined ? 'missing, which means true' : 'true'}), ` +
        'and the local host cannot decrypt them. Set "IsEncrypted": false and keep plain values.',
    );
  }
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(rawValues)) {
    if (key === '') {
      log({ level: 'warning', category: 'Host.General', message: `Skipping local setting with an empty name.` });
    } else if (value === null || value === undefined) {
      log({
        level: 'warning',
        category: 'Host.General',
        message: `Skipping local setting '${key}': its value is null.`,
      });
    } else {
      values[key] = settingText(value);
    }
  }
  const connectionStrings: Record<string, string> = {};
  const rawConnections = json.ConnectionStrings ?? {};
  if (!isObject(rawConnections)) throw new Error(`${path}: 'ConnectionStrings' must be an object.`);
  for (const [name, value] of Object.entries(rawConnections)) {
    const text = isObject(value) ? value.ConnectionString : value;
    if (typeof text !== 'string') {
      throw new Error(`${path}: ConnectionStrings.${name} must be a string or { "ConnectionString": "..." }.`);
    }
    connectionStrings[name] = text;
  }
  return { values, connectionStrings };
}

function readHostSection(json: Json, path: string) {
  const host = json.Host ?? {};
  if (!isObject(host)) throw new Error(`${path}: 'Host' must be an object.`);
  const port = host.LocalHttpPort;
  if (port !== undefined && (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535)) {
    throw new Error(`${path}: Host.LocalHttpPort must be a port number, got ${JSON.stringify(port)}.`);
  }
  for (const key of ['LocalHttpAddress', 'CORS'] as const) {
    if (host[key] !== undefined && typeof host[key] !== 'string')
      throw new Error(`${path}: Host.${key} must be a string.`);
  }
  if (host.CORSCredentials !== undefined && typeof host.CORSCredentials !== 'boolean') {
    throw new Error(`${path}: Host.CORSCredentials must be true or false.`);
  }
  return {
    localHttpPort: port as number | undefined,
    localHttpAddress: host.LocalHttpAddress as string | undefined,
    corsOrigins: ((host.CORS as string | undefined) ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter((o) => o !== ''),
    corsCredentials: host.CORSCredentials === true,
  };
}

export type SettingsSources = {
  env: Record<string, string | undefined>;
  local: LocalSettings;
  overrides: Record<string, string>;
  appDir: string;
  port: number;
  log: (entry: LogEntry) => void;
};

/**
 * The app settings the way `func start` exports them: real environment > local.settings.json Values (and
 * ConnectionStrings as `ConnectionStrings:<name>`) > what the local stack injects > defaults, then the
 * variables Core Tools always sets.
 */
export function resolveAppSettings(sources: SettingsSources): Record<string, string> {
  const { env, local, overrides, log } = sources;
  const settings: Record<string, string> = { FUNCTIONS_WORKER_RUNTIME: 'node', ...overrides };
  const fromFile: Record<string, string> = { ...local.values };
  for (const [name, value] of Object.entries(local.connectionStrings)) fromFile[`ConnectionStrings:${name}`] = value;
  for (const [key, value] of Object.entries(fromFile)) {
    if (env[key] !== undefined) {
      log({
        level: 'warning',
        category: 'Host.General',
        message: `Skipping '${key}' from local settings as it's already defined in current environment variables.`,
      });
    } else {
      settings[key] = value;
    }
  }
  for (const [key, value] of Object.entries(env)) if (value !== undefined) settings[key] = value;

  if (settings.AZURE_FUNCTIONS_ENVIRONMENT !== undefined && settings.AZURE_FUNCTIONS_ENVIRONMENT !== 'Development') {
    log({
      level: 'warning',
      category: 'Host.General',
      message: `AZURE_FUNCTIONS_ENVIRONMENT is set to '${settings.AZURE_FUNCTIONS_ENVIRONMENT}'. Overriding it to 'Development' for local runs.`,
    });
  }
  if ((settings.FUNCTIONS_WORKER_RUNTIME ?? 'node').toLowerCase() !== 'node') {
    throw new Error(
      `FUNCTIONS_WORKER_RUNTIME is '${settings.FUNCTIONS_WORKER_RUNTIME}', but this local host runs only Node.js apps. Set it to 'node'.`,
    );
  }
  Object.assign(settings, {
    AZURE_FUNCTIONS_ENVIRONMENT: 'Development',
    WEBSITE_HOSTNAME: `localhost:${sources.port}`,
    AzureWebJobsScriptRoot: sources.appDir,
    FUNCTIONS_APPLICATION_DIRECTORY: sources.appDir,
  });
  return settings;
}

/** App setting lookup with the host's case-insensitive configuration semantics. */
export function settingLookup(settings: Record<string, string>): (name: string) => string | undefined {
  const byLower = new Map(Object.entries(settings).map(([k, v]) => [k.toLowerCase(), v]));
  return (name) => settings[name] ?? byLower.get(name.toLowerCase());
}
