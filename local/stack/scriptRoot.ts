import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { readLocalSettings } from '../host/appSettings.js';
import { readHostJson } from '../host/hostJson.js';
import { readAppPackage } from '../shared/appPackage.js';

/** The folder given is not a Functions app the stack can run: the CLI answers exit code 2 with the message. */
export class ScriptRootError extends Error {}

/**
 * Checks the app folder as `func start` finds its project root, before anything starts: a folder with host.json
 * (valid, version 2.0), a package.json whose `main` names the app's files, and a local.settings.json, when there
 * is one, that reads.
 */
export function checkScriptRoot(dir: string): void {
  const fail = (why: string): never => {
    throw new ScriptRootError(`The script root ${dir} ${why}`);
  };
  if (!existsSync(dir)) fail('does not exist.');
  if (!statSync(dir).isDirectory()) fail('is not a folder.');
  if (!existsSync(join(dir, 'host.json'))) {
    fail('has no host.json, so it is not a Functions app folder (func start needs host.json in the project root).');
  }
  const problem = (read: () => unknown): string | undefined => {
    try {
      read();
      return undefined;
    } catch (error) {
      return (error as Error).message;
    }
  };
  const hostJson = problem(() => readHostJson(dir));
  if (hostJson) fail(`has a host.json the host refuses: ${hostJson}`);
  const settings = problem(() => readLocalSettings(dir, () => undefined));
  if (settings) fail(`has a local.settings.json the host refuses: ${settings}`);
  const { pkg, warning } = readAppPackage(dir);
  if (warning) fail(`has no readable package.json (${warning}).`);
  if (!pkg.main) {
    fail(
      'has a package.json without \'main\': the Node worker loads the files it names (e.g. "dist/src/functions/*.js").',
    );
  }
}
