// Bundles the local stack's process entry points in dist/local (after tsc) with esbuild, each into one CommonJS file
// beside the module tsc wrote for it (`cliMain.js` → `cliMain.cjs`): Node then loads one file per process instead of
// a graph of hundreds, which was most of the stack's start-up (resolving, reading and compiling each file, lexing
// each CommonJS package for its exports). CommonJS because Node 20 caches no compiled ES module code: each process's
// entry (`cli.ts`, `worker/loader.ts`, `storage/azuriteLoader.ts`) runs its bundle with V8's code cache
// (`local/shared/codeCache.ts`), and imports tsc's module instead when there is no bundle.
// What runs in another process or thread (Azurite's process, the broker's writer thread) keeps its own entry
// file; a native addon and the packages loaded on first use through `require` stay outside the bundles.
// Azurite's process is a bundle of its own, with Azurite's table, blob and queue servers inside: their CommonJS
// modules run only when first imported, so the blob and queue code costs nothing until an app needs it. Azurite's
// Application Insights SDK is an empty module there: Azurite loads it for usage telemetry that only its own CLI
// switches on, and loading it cost ~0.35 s of start-up and patched `require` for everything after.
// The Azure Storage SDKs the host loads on first use (`local/shared/lazyModule.ts`) are each bundled into one
// CommonJS file in dist/local/lazy: the Blob SDK, which an app with a blob binding needs at start, loads in about a
// third of the time its graph of packages takes.
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
// Compiled by tsc just before this runs: the one place that names the bundled files.
import { lazyBundleFileName } from '../dist/local/shared/lazyModule.js';

const dist = fileURLToPath(new URL('../dist/local/', import.meta.url));

/**
 * Each entry (the stack's CLI, the language worker process it forks for the app, Azurite's process), the bundle it
 * is written to, what stays outside it (a native addon; for the stack and the worker, Azurite, which runs only in its
 * own process) and the packages it takes as empty modules.
 */
const ENTRIES = {
  'cliMain.js': { bundle: 'cliMain.cjs', external: ['better-sqlite3', 'azurite'], empty: [] },
  'worker/main.js': { bundle: 'worker/main.cjs', external: ['better-sqlite3', 'azurite'], empty: [] },
  'storage/azuriteProcess.js': {
    bundle: 'storage/azuriteProcess.cjs',
    external: [],
    empty: ['applicationinsights'],
    // psl builds its rule table when loaded (~40 ms); only tough-cookie's cookie jar uses it, which Azurite does not.
    onFirstUse: ['psl'],
  },
};

/** Packages loaded on first use, each bundled whole into `dist/local/lazy/`, under the name lazyModule.ts looks for. */
const LAZY = ['@azure/storage-blob', '@azure/storage-queue', '@azure/data-tables'];

// A CommonJS bundle has no `import.meta`: the bundle's own URL stands in for it (see ownModuleUrl).
const COMMONJS_BANNER = "const __bundleUrl = require('node:url').pathToFileURL(__filename).href;";

/**
 * Every bundled module of ours keeps its own `import.meta.url` — the file it was built from — so what it finds
 * relative to itself (the worker and Azurite entries, the writer thread, the inspector's page, `createRequire`) it
 * finds as it did unbundled. The rewrite is textual, so it is applied to our own compiled files only; a package
 * that reads `import.meta.url` fails the build rather than silently resolving against the bundle's location.
 */
function ownModuleUrl(bundleFile) {
  return {
    name: 'own-module-url',
    setup(esbuild) {
      esbuild.onLoad({ filter: /\.[cm]?js$/ }, (args) => {
        const source = readFileSync(args.path, 'utf8');
        if (!source.includes('import.meta.url')) return undefined;
        if (!isOwnFile(args.path)) {
          return { errors: [{ text: `${args.path} reads import.meta.url: bundling would change what it resolves` }] };
        }
        const own = relative(dirname(bundleFile), args.path).split('\\').join('/');
        const url = `new URL(${JSON.stringify(own.startsWith('.') ? own : `./${own}`)}, import.meta.url).href`;
        return { contents: source.replaceAll('import.meta.url', url), loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}

function isOwnFile(path) {
  return !relative(dist, path).startsWith('..') && !path.split(/[\\/]/).includes('node_modules');
}

/** Packages resolved to an empty CommonJS module (`require` returns `{}`). */
function emptyModules(names) {
  const filter = new RegExp(`^(${names.join('|')})$`);
  return {
    name: 'empty-modules',
    setup(esbuild) {
      if (names.length === 0) return;
      esbuild.onResolve({ filter }, (args) => ({ path: args.path, namespace: 'empty-module' }));
      esbuild.onLoad({ filter: /.*/, namespace: 'empty-module' }, () => ({ contents: '', loader: 'js' }));
    },
  };
}

/**
 * Packages whose module runs only when one of its exports is first read: the bundle keeps them, behind a stand-in
 * that loads the package then (for a CommonJS package that its importers use only through property reads).
 */
function onFirstUse(names) {
  const filter = new RegExp(`^(${names.join('|')})$`);
  return {
    name: 'on-first-use',
    setup(esbuild) {
      if (names.length === 0) return;
      esbuild.onResolve({ filter }, async (args) => {
        if (args.pluginData === 'real') return undefined;
        const real = await esbuild.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          pluginData: 'real',
        });
        return { path: real.path, namespace: 'on-first-use' };
      });
      esbuild.onLoad({ filter: /.*/, namespace: 'on-first-use' }, (args) => ({
        contents: `let real;\nmodule.exports = new Proxy({}, { get: (_, key) => (real ??= require(${JSON.stringify(args.path)}))[key] });\n`,
        loader: 'js',
        resolveDir: dirname(args.path),
      }));
    },
  };
}

async function bundle([entry, { bundle: output, external, empty, onFirstUse: lazy = [] }]) {
  const file = join(dist, entry);
  await build({
    entryPoints: [file],
    outfile: join(dist, output),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    // A package's ES module build where it has one, so esbuild keeps only what is used: OpenTelemetry's semantic
    // conventions (176 KB as CommonJS) shrink to the few names the SDK reads, windows-iana's table to its lookup.
    mainFields: ['module', 'main'],
    target: ['node20'],
    external,
    banner: { js: COMMONJS_BANNER },
    define: { 'import.meta.url': '__bundleUrl' },
    plugins: [emptyModules(empty), onFirstUse(lazy), ownModuleUrl(file)],
    minifyWhitespace: true,
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}

async function bundleLazy(id) {
  await build({
    stdin: { contents: `module.exports = require(${JSON.stringify(id)});`, resolveDir: dist, loader: 'js' },
    outfile: join(dist, 'lazy', lazyBundleFileName(id)),
    bundle: true,
    format: 'cjs',
    platform: 'node',
    target: ['node20'],
    minifyWhitespace: true,
    logLevel: 'warning',
  });
}

await Promise.all([...Object.entries(ENTRIES).map(bundle), ...LAZY.map(bundleLazy)]);
