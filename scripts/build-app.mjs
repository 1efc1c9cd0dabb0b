// Bundles the Functions app (tsc's dist/src/functions/*.js and what they import) into dist/src/bundle/, the files
// package.json `main` names. The worker then loads one module and a lazily imported chunk instead of the graph of
// the app and its packages: zod and the Tables SDK alone are a few hundred ES modules, and resolving, reading and
// compiling them one by one took ~0.55 s of CPU at each start, here and on Azure's cold starts alike, against
// ~0.25 s for the bundle. `@azure/functions` is inside too: imported from outside, Node's ES module loader scans its
// 190 KB CommonJS file for export names at every start (~45 ms, on the start's critical path). What stays outside is
// `@azure/functions-core`, the module only a running worker provides, here and on Azure, which the library requires.
// `--watch` rebuilds whenever tsc (e.g. `tsc --watch`) rewrites an input, so the stack's hot reload sees the change.
import { context } from 'esbuild';
import { readdirSync, rmSync, watch } from 'node:fs';
import { fileURLToPath } from 'node:url';

// CommonJS packages inside the app's ES module bundle reach Node's built-ins through a real `require`.
const ESM_BUNDLE_BANNER =
  "import { createRequire as __bundleRequire } from 'node:module';\nconst require = __bundleRequire(import.meta.url);";

const functions = fileURLToPath(new URL('../dist/src/functions/', import.meta.url));
const outdir = fileURLToPath(new URL('../dist/src/bundle/', import.meta.url));

/** One import per function file, in the order the worker's glob of them would load them. */
function entryModule() {
  return readdirSync(functions)
    .filter((name) => name.endsWith('.js'))
    .sort()
    .map((name) => `import ${JSON.stringify(`./${name}`)};`)
    .join('\n');
}

function bundler(entry) {
  return context({
    stdin: { contents: entry, resolveDir: functions, sourcefile: 'functions.js', loader: 'js' },
    outdir,
    entryNames: 'functions',
    chunkNames: 'chunk-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: ['node20'],
    external: ['@azure/functions-core'],
    banner: { js: ESM_BUNDLE_BANNER },
    minifyWhitespace: true,
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}

// Chunk names carry a hash of their content: clear out the last build's, which nothing imports any more.
rmSync(outdir, { recursive: true, force: true });

if (process.argv.includes('--watch')) {
  // A function file added or removed changes the entry itself: start over with the new list. Restarts run one
  // after another, so a burst of new files (a checkout) never leaves two watchers behind.
  let entry = entryModule();
  let current = await bundler(entry);
  await current.watch();
  let restarts = Promise.resolve();
  watch(functions, () => {
    restarts = restarts.then(async () => {
      const next = entryModule();
      if (next === entry) return;
      entry = next;
      await current.dispose();
      current = await bundler(entry);
      await current.watch();
    });
  });
  process.stdout.write(`Rebuilding ${outdir} whenever dist/src changes (Ctrl+C to stop).\n`);
} else {
  const once = await bundler(entryModule());
  await once.rebuild();
  await once.dispose();
}
