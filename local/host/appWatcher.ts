import { existsSync, readFileSync, realpathSync, watch, type FSWatcher } from 'node:fs';
import { join, resolve } from 'node:path';
// fast-glob's own check, as globby (which the worker loads apps with) re-exports it, without globby's start-up cost.
import fastGlob from 'fast-glob';
import type { Clock, ClockTimer } from '../shared/clock.js';

// The host restarts on changes to files with a worker extension, debounced 300 ms.
const WORKER_EXTENSIONS = /\.(js|mjs|cjs)$/i;
const DEBOUNCE_MS = 300;

/**
 * The folder whose changes mean "the compiled app changed": the first directory of `main`'s fixed prefix
 * (`dist` for `dist/src/functions/*.js`), or the app folder itself when `main` names a top-level file.
 */
export function appCodeRoot(appDir: string, main: string | undefined): string {
  const first = (main ?? '').replace(/^\.\//, '').split('/')[0] ?? '';
  const isDir = first !== '' && !fastGlob.isDynamicPattern(first) && (main ?? '').replace(/^\.\//, '').includes('/');
  return resolve(appDir, isDir ? first : '.');
}

/** The installed folders of the app's own `dependencies`: where an edit changes what the worker loads. */
function dependencyFolders(appDir: string): string[] {
  try {
    const pkg = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as { dependencies?: object };
    return Object.keys(pkg.dependencies ?? {})
      .map((name) => join(appDir, 'node_modules', name))
      .filter((dir) => existsSync(dir))
      .map((dir) => realpathSync(dir));
  } catch {
    return [];
  }
}

/**
 * Calls `onChange` once per burst of changes to .js/.mjs/.cjs files under the compiled app's folder
 * (its node_modules ignored) or under the installed folders of the app's direct dependencies. Watching all of
 * node_modules, as the real host does, costs seconds and hundreds of MB on a typical tree.
 */
export function watchAppCode(appDir: string, main: string | undefined, clock: Clock, onChange: () => void) {
  let timer: ClockTimer | undefined;
  const changed = (inNodeModules: boolean) => (_event: string, file: string | Buffer | null) => {
    const name = file?.toString() ?? '';
    if (!WORKER_EXTENSIONS.test(name)) return;
    if (!inNodeModules && /(^|[\\/])node_modules([\\/]|$)/.test(name)) return;
    if (timer) clock.clearTimeout(timer);
    timer = clock.setTimeout(() => {
      timer = undefined;
      onChange();
    }, DEBOUNCE_MS);
  };
  const watchers: FSWatcher[] = [watch(appCodeRoot(appDir, main), { recursive: true }, changed(false))];
  for (const dir of dependencyFolders(appDir)) watchers.push(watch(dir, { recursive: true }, changed(true)));
  for (const watcher of watchers) watcher.on('error', () => undefined);
  return {
    close(): void {
      if (timer) clock.clearTimeout(timer);
      for (const watcher of watchers) watcher.close();
    },
  };
}
