import { watch, type FSWatcher } from 'node:fs';
import type { Clock, ClockTimer } from '../shared/clock.js';

// The host restarts on changes to files with a worker extension, debounced 300 ms.
const WORKER_EXTENSIONS = /\.(js|mjs|cjs)$/i;
const DEBOUNCE_MS = 300;

/** Calls `onChange` once per burst of changes to .js/.mjs/.cjs files under `root` (node_modules ignored). */
export function watchAppCode(root: string, clock: Clock, onChange: () => void): { close(): void } {
  let timer: ClockTimer | undefined;
  const watcher: FSWatcher = watch(root, { recursive: true }, (_event, file) => {
    const name = file?.toString() ?? '';
    if (!WORKER_EXTENSIONS.test(name) || /(^|[\\/])node_modules([\\/]|$)/.test(name)) return;
    if (timer) clock.clearTimeout(timer);
    timer = clock.setTimeout(() => {
      timer = undefined;
      onChange();
    }, DEBOUNCE_MS);
  });
  watcher.on('error', () => undefined);
  return {
    close() {
      if (timer) clock.clearTimeout(timer);
      watcher.close();
    },
  };
}
