import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { globby, isDynamicPattern } from 'globby';
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
  const files = await globby(pkg.main, { cwd: appDir, absolute: true });
  if (files.length === 0) {
    let message = isDynamicPattern(pkg.main) ? 'Found zero files matching the supplied pattern' : 'File does not exist';
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
