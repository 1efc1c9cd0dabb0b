import { stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AppPackage } from '../shared/appPackage.js';
import type { CoreRegistry } from './core/coreModule.js';

type ModuleImporter = (url: string) => Promise<unknown>;

let importModule: ModuleImporter = (url) => import(url);

/** How the app's ES modules are imported, when `import()` in this module cannot (the worker's `loader.ts`). */
export function setModuleImporter(importer: ModuleImporter): void {
  importModule = importer;
}

function isEsm(file: string, pkg: AppPackage): boolean {
  return file.endsWith('.mjs') || (pkg.type === 'module' && !file.endsWith('.cjs'));
}

/**
 * Loads the app's entry points the way the Node worker does: `main` expanded with globby (cwd = app folder),
 * files loaded one after another in glob order with `currentEntryPoint` set, ESM through `import()` and
 * CommonJS through `require`. Each worker process loads the app once: a reload is a new process.
 */
export async function loadAppEntryPoints(options: {
  appDir: string;
  pkg: AppPackage;
  registry: CoreRegistry;
}): Promise<string[]> {
  const { appDir, pkg, registry } = options;
  if (!pkg.main) return [];
  const { files, dynamic } = await entryFiles(pkg.main, appDir);
  if (files.length === 0) {
    let message = dynamic ? 'Found zero files matching the supplied pattern' : 'File does not exist';
    if (pkg.main === 'index.js') message += '. Learn more here: https://aka.ms/AAla7et';
    throw new Error(`Worker was unable to load entry point "${pkg.main}": ${message}`);
  }
  const requireFromApp = createRequire(join(appDir, 'package.json'));
  for (const file of files) {
    registry.currentEntryPoint = file;
    try {
      if (isEsm(file, pkg)) await importModule(pathToFileURL(file).href);
      else requireFromApp(file);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`Worker was unable to load entry point "${file}": ${message}`, { cause: error });
    } finally {
      registry.currentEntryPoint = undefined;
    }
  }
  return files;
}

// Any character globby (fast-glob, picomatch) may read as syntax; a `main` without one names one path literally.
const GLOB_SYNTAX = /[*?[\]{}()!+@\\]/;

/**
 * `main` expanded as globby expands it. A literal path is looked up directly, with globby's result (the file, or
 * nothing for a folder or a missing path): loading globby was a tenth of the worker's start-up CPU.
 */
async function entryFiles(main: string, appDir: string): Promise<{ files: string[]; dynamic: boolean }> {
  if (!GLOB_SYNTAX.test(main)) {
    const file = resolve(appDir, main);
    const isFile = await stat(file).then(
      (stats) => stats.isFile(),
      () => false,
    );
    return { files: isFile ? [file] : [], dynamic: false };
  }
  const { globby, isDynamicPattern } = await import('globby');
  return { files: await globby(main, { cwd: appDir, absolute: true }), dynamic: isDynamicPattern(main) };
}
