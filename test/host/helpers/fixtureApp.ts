import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const fixturesDir = fileURLToPath(new URL('../fixtures/', import.meta.url));
const repoNodeModules = fileURLToPath(new URL('../../../node_modules', import.meta.url));

export type FixtureApp = { dir: string; write(relative: string, text: string): void; remove(): void };

/**
 * Copies a fixture app to a temporary folder (so tests can write local.settings.json and edit code) with the
 * repository's node_modules linked in, so the app resolves the real `@azure/functions`.
 */
export function copyFixture(name: string, localSettings?: unknown): FixtureApp {
  const dir = mkdtempSync(join(tmpdir(), `host-${name}-`));
  cpSync(join(fixturesDir, name), dir, { recursive: true });
  symlinkSync(repoNodeModules, join(dir, 'node_modules'), 'dir');
  const write = (relative: string, text: string): void => writeFileSync(join(dir, relative), text);
  if (localSettings !== undefined) write('local.settings.json', JSON.stringify(localSettings));
  return { dir, write, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
