// Bundles the local stack's process entry points in dist/local (after tsc) with esbuild, each into the very file
// tsc wrote for it: Node then loads one module per process instead of a graph of hundreds, which was most of the
// stack's start-up (resolving, reading and compiling each file, lexing each CommonJS package for its exports).
// What runs in another process or thread (Azurite's process, the broker's writer thread) keeps its own entry
// file; a native addon and the packages loaded on first use through `require` stay outside the bundles.
// Azurite's process is a bundle of its own, with Azurite's table, blob and queue servers inside: their CommonJS
// modules run only when first imported, so the blob and queue code costs nothing until an app needs it.
import { build } from 'esbuild';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/local/', import.meta.url));

/**
 * Each entry (the stack's CLI, the language worker process it forks for the app, Azurite's process) and what stays
 * outside its bundle: a native addon; for the stack and the worker, Azurite, which runs only in its own process;
 * for Azurite's process, the Application Insights SDK, which `azuriteTelemetryStub.ts` replaces with an empty
 * module through `require`'s cache (bundled, it would load and patch `require` as it did before the stub).
 */
const ENTRIES = {
  'cli.js': ['better-sqlite3', 'azurite'],
  'worker/main.js': ['better-sqlite3', 'azurite'],
  'storage/azuriteProcess.js': ['applicationinsights'],
};

// CommonJS packages inside an ES module bundle reach Node's built-ins through a real `require`.
const BANNER =
  "import { createRequire as __bundleRequire } from 'node:module';\nconst require = __bundleRequire(import.meta.url);";

/**
 * Every bundled module keeps its own `import.meta.url` — the file it was built from — so what it finds relative
 * to itself (the worker and Azurite entries, the writer thread, the inspector's page, `createRequire`) it finds
 * as it did unbundled.
 */
function ownModuleUrl(bundleFile) {
  return {
    name: 'own-module-url',
    setup(esbuild) {
      esbuild.onLoad({ filter: /\.[cm]?js$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        const own = relative(dirname(bundleFile), args.path).split('\\').join('/');
        const url = `new URL(${JSON.stringify(own.startsWith('.') ? own : `./${own}`)}, import.meta.url).href`;
        return { contents: source.replaceAll('import.meta.url', url), loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}

async function bundle([entry, external]) {
  const file = join(dist, entry);
  if (readFileSync(file, 'utf8').startsWith(BANNER)) {
    throw new Error(`${file} is already a bundle: compile first (npm run build runs tsc, then this).`);
  }
  const { outputFiles } = await build({
    entryPoints: [file],
    outfile: file,
    allowOverwrite: true,
    write: false,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: ['node20'],
    external,
    banner: { js: BANNER },
    plugins: [ownModuleUrl(file)],
    minifyWhitespace: true,
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  for (const output of outputFiles) writeFileSync(output.path, output.contents);
}

await Promise.all(Object.entries(ENTRIES).map(bundle));
