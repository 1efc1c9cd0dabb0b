import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

/** Whether V8 took the cached code: `used`, `none` (no cache for this build of the file yet) or `rejected`. */
export type CodeCacheUse = 'used' | 'none' | 'rejected';

export type CachedModule = {
  /** The module's `module.exports`. */
  exports: unknown;
  cache: CodeCacheUse;
  /**
   * Writes what V8 has compiled of the file so far (call it once the start-up code has run, so that is in it too),
   * unless the cache was used. Never throws: without a cache the next start compiles as this one did.
   */
  save(): void;
};

/**
 * The cache's name for this build of `file`: V8 checks a cache against the source's length only, so the name
 * carries a hash of the source (~4 ms for Azurite's bundle), and another build never runs this one's code.
 */
function cacheFileName(file: string, source: string): string {
  return `${basename(file)}.${createHash('sha1').update(source).digest('hex').slice(0, 16)}.v8cache`;
}

/**
 * Runs a CommonJS bundle with V8's code cache beside it. Node 20 has no compile cache of its own, and compiling a
 * bundle (Azurite's is 3.4 MB, the stack's CLI's 1.1), then each function the first time it runs, is a large part of
 * a process's start-up CPU (a third of Azurite's).
 * The cache is written once per build of the file (atomically: parallel processes may race), and files of older
 * builds are removed then.
 */
export function runWithCodeCache(file: string): CachedModule {
  const source = readFileSync(file, 'utf8');
  const cacheName = cacheFileName(file, source);
  const cacheFile = join(dirname(file), cacheName);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(Module.wrap(source), { filename: file, cachedData });
  const cache: CodeCacheUse = cachedData === undefined ? 'none' : script.cachedDataRejected ? 'rejected' : 'used';
  const module = { exports: {} as unknown, filename: file, id: file, loaded: false };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper.call(module.exports, module.exports, createRequire(file), module, file, dirname(file));
  module.loaded = true;
  return {
    exports: module.exports,
    cache,
    save() {
      if (cache === 'used') return;
      try {
        const temporary = `${cacheFile}.${process.pid}.tmp`;
        writeFileSync(temporary, script.createCachedData());
        renameSync(temporary, cacheFile);
        removeOtherBuilds(file, cacheName);
      } catch {
        // A read-only install, or a full disk: the next start compiles again.
      }
    },
  };
}

/** Whether a process still runs: one that died mid-save left only its temporary file behind. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes other builds' caches, and temporary files of saves whose process is gone. */
function removeOtherBuilds(file: string, keep: string): void {
  const prefix = `${basename(file)}.`;
  for (const name of readdirSync(dirname(file))) {
    if (!name.startsWith(prefix)) continue;
    const saving = /\.v8cache\.(\d+)\.tmp$/.exec(name);
    const stale = saving ? !isRunning(Number(saving[1])) : name !== keep && name.endsWith('.v8cache');
    if (stale) rmSync(join(dirname(file), name), { force: true });
  }
}

/** What an entry point's bundle exports: a promise that settles once its start-up code has run. */
type EntryPoint = { started: Promise<unknown> };

/**
 * A process's entry point: built, its CommonJS bundle (`bundle`) run with the code cache, which is written once the
 * bundle's `started` export has settled; compiled by tsc alone, the module itself (`module`). `prepare` gets the
 * bundle's exports before anything else can run. A rejected `started` stays unhandled, as it would be unbundled.
 * With source maps on, the bundle is loaded by `require`, uncached, so traces name the TypeScript files.
 */
export async function runEntryPoint(
  bundle: URL,
  module: URL,
  prepare?: (exports: Record<string, unknown>) => void,
): Promise<void> {
  const file = fileURLToPath(bundle);
  if (!existsSync(file)) {
    await import(module.href);
    return;
  }
  if (process.sourceMapsEnabled) {
    // Node maps stack traces only through code its own loader compiled: with `--enable-source-maps`, no cache.
    const exports = createRequire(file)(file) as Record<string, unknown>;
    prepare?.(exports);
    return;
  }
  const { exports, save } = runWithCodeCache(file);
  prepare?.(exports as Record<string, unknown>);
  void (exports as EntryPoint).started.then(() => setImmediate(save));
}
