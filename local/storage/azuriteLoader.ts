// Child-process entry of Azurite's process (`azuriteProcess.ts`): built, it runs the process's CommonJS bundle with
// V8's code cache (`shared/codeCache.ts`); compiled by tsc alone, the module itself.
import { runEntryPoint } from '../shared/codeCache.js';

await runEntryPoint(new URL('./azuriteProcess.cjs', import.meta.url), new URL('./azuriteProcess.js', import.meta.url));
