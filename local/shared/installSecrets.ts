import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fsyncSync, linkSync, openSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { statSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const SETTINGS_FILE = 'local.settings.json';
export const SAMPLE_FILE = 'local.settings.sample.json';

/**
 * Keys everybody can read: the official SignalR emulator's fixed AccessKey and the Service Bus emulator's
 * documented SharedAccessKey, which the committed sample carries. A token signed with one proves nothing.
 */
const PUBLIC_KEYS = new Set(['ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH', 'SAS_KEY_VALUE']);

/** `AccessKey=` (SignalR) and `SharedAccessKey=` (Service Bus) values in a connection string. */
const KEY_PART = /(^|;)(\s*(?:Shared)?AccessKey\s*=\s*)([^;]*)/gi;
/** The connection strings of the local stand-ins: SignalR on this machine, the Service Bus emulator form. */
const EMULATOR_FORM = /^\s*Endpoint\s*=\s*(?:https?|sb):\/\/(?:localhost|127\.0\.0\.1|\[::1\])[:/;]/i;
const SERVICE_BUS_EMULATOR = /(^|;)\s*UseDevelopmentEmulator\s*=\s*true\s*(;|$)/i;

/** A fresh random key, in the shape of Azure's (44 base64 characters). */
export function generateKey(): string {
  return randomBytes(32).toString('base64');
}

/** True for a key that is public (the sample's placeholders): it must never sign anything. */
export function isPublicKey(key: string): boolean {
  return PUBLIC_KEYS.has(key.trim());
}

export type InstallSecretsOutcome = {
  path: string;
  /** What happened, as one line for the console; undefined when nothing changed. */
  message?: string;
};

/**
 * Makes `<appDir>/local.settings.json` carry keys of this install only. Created from the sample when missing,
 * with every public placeholder key in an emulator connection string replaced by a generated one (settings that
 * shared a placeholder share the new key, so they keep matching); placeholders found in an existing file are
 * replaced the same way; any other key is left alone. Written to a temporary file and renamed into place, so a
 * crash leaves the old file or the new one, never half of one.
 */
export function ensureInstallSecrets(appDir: string): InstallSecretsOutcome {
  const path = join(appDir, SETTINGS_FILE);
  const sample = join(appDir, SAMPLE_FILE);
  if (!existsSync(path)) {
    if (!existsSync(sample)) return { path };
    const settings = readJson(sample);
    const replaced = replacePublicKeys(settings, publicKeysOf(settings));
    if (writeAtomically(path, settings, 'create')) {
      const keys = replaced.length > 0 ? `, with keys generated for this install (${replaced.join(', ')})` : '';
      return { path, message: `Created ${SETTINGS_FILE} from ${SAMPLE_FILE}${keys}; it is git-ignored, edit freely.` };
    }
    // Another process created it meanwhile: check that one like any existing file.
  }
  const settings = readJson(path);
  const publicKeys = new Set([...PUBLIC_KEYS, ...(existsSync(sample) ? publicKeysOf(readJson(sample)) : [])]);
  const replaced = replacePublicKeys(settings, publicKeys);
  if (replaced.length === 0) return { path };
  writeAtomically(path, settings, 'replace');
  return {
    path,
    message: `${SETTINGS_FILE}: replaced the public placeholder key in ${replaced.join(', ')} with a key generated for this install.`,
  };
}

type SettingsFile = { Values?: Record<string, unknown> } & Record<string, unknown>;

function readJson(path: string): SettingsFile {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${path} must hold a JSON object with a "Values" object`);
  }
  const values = (value as SettingsFile).Values;
  if (values !== undefined && (typeof values !== 'object' || values === null || Array.isArray(values))) {
    throw new Error(`${path}: "Values" must be an object of setting names to strings`);
  }
  return value as SettingsFile;
}

/** The keys the sample file's emulator connection strings carry: public by being committed. */
function publicKeysOf(settings: SettingsFile): Set<string> {
  const keys = new Set(PUBLIC_KEYS);
  for (const value of Object.values(settings.Values ?? {})) {
    if (typeof value !== 'string' || !isEmulatorForm(value)) continue;
    for (const match of value.matchAll(KEY_PART)) keys.add(match[3]!.trim());
  }
  return keys;
}

function isEmulatorForm(value: string): boolean {
  return EMULATOR_FORM.test(value) || SERVICE_BUS_EMULATOR.test(value);
}

/** Replaces, in place, every public key in an emulator connection string; returns the setting names changed. */
function replacePublicKeys(settings: SettingsFile, publicKeys: ReadonlySet<string>): string[] {
  const generated = new Map<string, string>();
  const changed: string[] = [];
  for (const [name, value] of Object.entries(settings.Values ?? {})) {
    if (typeof value !== 'string' || !isEmulatorForm(value)) continue;
    const next = value.replace(KEY_PART, (whole, start: string, prefix: string, key: string) => {
      if (!publicKeys.has(key.trim())) return whole;
      if (!generated.has(key)) generated.set(key, generateKey());
      return `${start}${prefix}${generated.get(key)}`;
    });
    if (next !== value) {
      settings.Values![name] = next;
      changed.push(name);
    }
  }
  return changed;
}

/**
 * Writes `settings` to a temporary file, flushes it, and puts it in place: `create` links it (failing, and
 * returning false, if the file appeared meanwhile), `replace` renames it over the old one.
 */
function writeAtomically(path: string, settings: SettingsFile, mode: 'create' | 'replace'): boolean {
  const temp = `${path}.${process.pid}.tmp`;
  // The file holds secrets: readable by its owner only when new; an existing file keeps its mode.
  const fileMode = mode === 'replace' ? statSync(path).mode & 0o777 : 0o600;
  try {
    const fd = openSync(temp, 'w', fileMode);
    try {
      writeSync(fd, `${JSON.stringify(settings, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (mode === 'replace') renameSync(temp, path);
    else linkSync(temp, path);
    return true;
  } catch (error) {
    if (mode === 'create' && (error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  } finally {
    rmSync(temp, { force: true });
  }
}
