import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseHttpOptions, type HttpOptions } from './extensions/http/options.js';

/** The parts of host.json the local host acts on. */
export type HostConfig = {
  /** `extensions.http`: route prefix and request limits of the host's HTTP pipeline. */
  http: HttpOptions;
  /** `extensions.<name>` sections by lower-cased name, each parsed by its own extension. */
  extensionSections: ReadonlyMap<string, Record<string, unknown>>;
  /** Where the file was read from, or undefined when the default was used. */
  path: string | undefined;
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
  // Without a file the host writes a default one; the local host leaves the folder alone and uses the default.
  if (!existsSync(path)) return parseHostJson('{"version":"2.0"}', undefined);
  const text = readFileSync(path, 'utf8');
  return parseHostJson(text.trim() === '' ? '{"version":"2.0"}' : text, path);
}

export function parseHostJson(text: string, path: string | undefined): HostConfig {
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
  const sections = new Map<string, Record<string, unknown>>();
  for (const name of Object.keys(extensions)) {
    sections.set(name.toLowerCase(), objectAt(extensions, name, `extensions.${name}`) ?? {});
  }
  const http = parseHttpOptions(sections.get('http') ?? {}, 'extensions.http');
  return { http, extensionSections: sections, path };
}
