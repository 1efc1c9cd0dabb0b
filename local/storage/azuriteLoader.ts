// Child-process entry of Azurite's process (`azuriteProcess.ts`): built, it runs the process's CommonJS bundle with
// V8's code cache (`shared/codeCache.ts`); compiled by tsc alone, the module itself.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runWithCodeCache } from '../shared/codeCache.js';

const bundle = fileURLToPath(new URL('./azuriteProcess.cjs', import.meta.url));
if (existsSync(bundle)) {
  const { exports, save } = runWithCodeCache(bundle);
  // Saved after the first services are up, so the cache holds the start-up code's compiled functions too.
  void (exports as { started: Promise<void> }).started.then(() => setImmediate(save));
} else {
  await import('./azuriteProcess.js');
}
