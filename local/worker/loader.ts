// Process entry of the language worker (`main.ts`), which the host forks: built, it runs the worker's CommonJS
// bundle with V8's code cache (`shared/codeCache.ts`); compiled by tsc alone, main.js itself.
import { runEntryPoint } from '../shared/codeCache.js';

await runEntryPoint(new URL('./main.cjs', import.meta.url), new URL('./main.js', import.meta.url), (worker) => {
  // On Node 20, code V8 took from a cache loses its `import()` (ERR_VM_DYNAMIC_IMPORT_CALLBACK_MISSING): the
  // app's ES modules are imported from here, a module Node loaded itself.
  (worker as { setModuleImporter: (importer: (url: string) => Promise<unknown>) => void }).setModuleImporter(
    (url) => import(url),
  );
});
