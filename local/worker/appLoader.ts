import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { isAbsolute, join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { globby, isDynamicPattern } from 'globby';
import type { CoreRegistry } from './core/coreModule.js';
import { nativeImport, setModuleGeneration } from './nativeImport.js';

export type AppPackage = { main: string | undefined; type: string | undefined };

export function readAppPackage(appDir: string): { pkg: AppPackage; warning?: string } {
  try {
    const json = JSON.parse(readFileSync(join(appDir, 'package.json'), 'utf8')) as Record<string, unknown>;
    return {
      pkg: {
        main: typeof json.main === 'string' ? json.main : undefined,
        type: typeof json.type === 'string' ? json.type : undefined,
      },
    };
  } catch (error) {
    return {
      pkg: { main: undefined, type: undefined },
      warning: `Worker failed to load package.json: ${(error as Error).message}`,
    };
  }
}

/**
 * The folder whose changes mean "the compiled app changed": the first directory of `main`'s fixed prefix
 * (`dist` for `dist/src/functions/*.js`), or the app folder itself when `main` names a top-level file.
 */
export function appCodeRoot(appDir: string, main: string | undefined): string {
  const first = (main ?? '').replace(/^\.\//, '').split('/')[0] ?? '';
  const isDir = first !== '' && !isDynamicPattern(first) && (main ?? '').replace(/^\.\//, '').includes('/');
  return resolve(appDir, isDir ? first : '.');
}

let loadCount = 0;

function isEsm(file: string, pkg: AppPackage): boolean {
  return file.endsWith('.mjs') || (pkg.type === 'module' && !file.endsWith('.cjs'));
}

/**
 * Loads the app's entry points the way the Node worker does: `main` expanded with globby (cwd = app folder),
 * files loaded one after another in glob order with `currentEntryPoint` set, ESM through `import()` and
 * CommonJS through `require`. Every load after the first in this process (a reload, or a new host) evaluates
 * the modules under `codeRoot` afresh.
 */
export async function loadAppEntryPoints(options: {
  appDir: string;
  pkg: AppPackage;
  registry: CoreRegistry;
  codeRoot: string;
}): Promise<string[]> {
  const { appDir, pkg, registry, codeRoot } = options;
  const generation = loadCount++;
  if (!pkg.main) return [];
  const files = await globby(pkg.main, { cwd: appDir, absolute: true });
  if (files.length === 0) {
    let message = isDynamicPattern(pkg.main) ? 'Found zero files matching the supplied pattern' : 'File does not exist';
    if (pkg.main === 'index.js') message += '. Learn more here: https://aka.ms/AAla7et';
    throw new Error(`Worker was unable to load entry point "${pkg.main}": ${message}`);
  }
  const rootWithSep = codeRoot.endsWith(sep) ? codeRoot : codeRoot + sep;
  await setModuleGeneration(pathToFileURL(rootWithSep).href, generation);
  const requireFromApp = createRequire(join(appDir, 'package.json'));
  if (generation > 0) {
    for (const key of Object.keys(requireFromApp.cache)) {
      if (key.startsWith(rootWithSep) && !key.includes(`${sep}node_modules${sep}`)) delete requireFromApp.cache[key];
    }
  }
  for (const file of files) {
    const absolute = isAbsolute(file) ? file : resolve(appDir, file);
    registry.currentEntryPoint = absolute;
    try {
      if (isEsm(absolute, pkg)) await nativeImport(pathToFileURL(absolute).href);
      else requireFromApp(absolute);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new Error(`Worker was unable to load entry point "${absolute}": ${message}`, { cause: error });
    } finally {
      registry.currentEntryPoint = undefined;
    }
  }
  return files;
}
