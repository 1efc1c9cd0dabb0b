import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLocalSettings, type LocalSettings } from '../host/appSettings.js';
import type { HostLogger } from '../host/index.js';
import {
  parseUnauthenticatedAction,
  UNAUTHENTICATED_ACTION_SETTING,
  type UnauthenticatedAction,
} from '../auth/index.js';

export type StackSettings = {
  /** local.settings.json as the host reads it (Host.CORS, Host.LocalHttpPort …). */
  local: LocalSettings;
  /** Its Values, or on a fresh clone the committed sample's. */
  fileValues: Record<string, string>;
  /** The sample's values are used: the host is given them as settings of the stack. */
  fallback: boolean;
  /** The app's settings as the stack judges them: the file's values, the real environment winning. */
  configured: Record<string, string>;
  /** What Easy Auth answers an anonymous call to a function route; undefined: it lets the call through. */
  unauthenticatedAction: UnauthenticatedAction | undefined;
};

/** The app settings the stack starts from, before the host resolves its own. */
export function readStackSettings(
  appDir: string,
  env: Record<string, string | undefined>,
  logger: HostLogger,
): StackSettings {
  const local = readLocalSettings(appDir, (entry) => logger.log(entry));
  const { values: fileValues, fallback } = local.path
    ? { values: local.values, fallback: false }
    : sampleValues(appDir);
  if (fallback) {
    logger.log({
      level: 'information',
      category: 'Host.General',
      message: `No local.settings.json in ${appDir}: using the values of local.settings.sample.json.`,
    });
  }
  const configured: Record<string, string> = { ...fileValues };
  for (const [name, value] of Object.entries(env)) if (value !== undefined) configured[name] = value;
  const unauthenticatedAction = parseUnauthenticatedAction(configured[UNAUTHENTICATED_ACTION_SETTING]);
  return { local, fileValues, fallback, configured, unauthenticatedAction };
}

/** On a fresh clone (no local.settings.json) the committed sample's values, so the app still runs. */
function sampleValues(appDir: string): { values: Record<string, string>; fallback: boolean } {
  const sample = join(appDir, 'local.settings.sample.json');
  if (!existsSync(sample)) return { values: {}, fallback: false };
  const json = JSON.parse(readFileSync(sample, 'utf8')) as { Values?: Record<string, string> };
  return { values: json.Values ?? {}, fallback: true };
}
