// The stack's command (`npm start`, `node dist/local/cli.js`). Built, it runs the CommonJS bundle of `cliMain.ts`
// with V8's code cache (`shared/codeCache.ts`): compiling the bundle and its start-up functions was ~70 ms of the
// stack's start. Compiled by tsc alone, it imports cliMain.js itself.
import { runEntryPoint } from './shared/codeCache.js';

await runEntryPoint(new URL('./cliMain.cjs', import.meta.url), new URL('./cliMain.js', import.meta.url));
