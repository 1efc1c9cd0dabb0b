import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const codeCache = pathToFileURL(join(import.meta.dirname, '..', '..', 'dist', 'local', 'shared', 'codeCache.js')).href;

/** Runs `file` through runWithCodeCache in a fresh process (as Azurite's loader does), saves, and says what it got. */
function run(file: string): { cache: string; answer: unknown } {
  const script = `
    const { runWithCodeCache } = await import(${JSON.stringify(codeCache)});
    const loaded = runWithCodeCache(${JSON.stringify(file)});
    const answer = loaded.exports.answer();
    loaded.save();
    console.log(JSON.stringify({ cache: loaded.cache, answer }));`;
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
  return JSON.parse(out) as { cache: string; answer: unknown };
}

function bundle(dir: string, answer: string): string {
  const file = join(dir, 'bundle.cjs');
  // `require` and `module` must be the bundle's own, as Node gives a CommonJS file.
  writeFileSync(
    file,
    `const { join } = require('node:path');\nmodule.exports = { answer: () => [${answer}, typeof join, __filename === module.filename] };\n`,
  );
  return file;
}

const caches = (dir: string) => readdirSync(dir).filter((name) => name.endsWith('.v8cache'));

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const workspace = () => {
  const dir = mkdtempSync(join(tmpdir(), 'code-cache-'));
  dirs.push(dir);
  return dir;
};

describe("V8's code cache for a CommonJS bundle", () => {
  it('runs the file as CommonJS, writes a cache the first time and uses it the next', () => {
    const dir = workspace();
    const file = bundle(dir, '"first"');
    expect(run(file)).toEqual({ cache: 'none', answer: ['first', 'function', true] });
    expect(caches(dir)).toHaveLength(1);
    expect(run(file)).toEqual({ cache: 'used', answer: ['first', 'function', true] });
  });

  it('never runs an older build from its cache: a rebuilt file gets a cache of its own, and the old one goes', () => {
    const dir = workspace();
    const file = bundle(dir, '"first"');
    run(file);
    const [old] = caches(dir);
    // Same length, other code: V8 alone would take the old cache (it checks the source's length only).
    const rebuilt = bundle(dir, '"other"');
    expect(run(rebuilt)).toEqual({ cache: 'none', answer: ['other', 'function', true] });
    expect(caches(dir)).not.toContain(old);
    expect(caches(dir)).toHaveLength(1);
    expect(run(rebuilt).cache).toBe('used');
  });

  it("removes what a save cut short left behind, once its process is gone, but not a running save's file", () => {
    const dir = workspace();
    const file = bundle(dir, '"first"');
    // A pid far above Linux's pid_max stands for a process that died between writing and renaming.
    const cutShort = 'bundle.cjs.0123456789abcdef.v8cache.99999999.tmp';
    const running = `bundle.cjs.0123456789abcdef.v8cache.${process.pid}.tmp`;
    for (const name of [cutShort, running]) writeFileSync(join(dir, name), 'partial');
    run(file);
    expect(readdirSync(dir)).not.toContain(cutShort);
    expect(readdirSync(dir)).toContain(running);
    expect(caches(dir)).toHaveLength(1);
  });

  it('compiles afresh when the cache is damaged, and replaces it', () => {
    const dir = workspace();
    const file = bundle(dir, '"first"');
    run(file);
    const [name] = caches(dir);
    writeFileSync(join(dir, name!), 'not a V8 code cache');
    expect(run(file)).toEqual({ cache: 'rejected', answer: ['first', 'function', true] });
    expect(run(file).cache).toBe('used');
  });
});

/** Runs runEntryPoint in a fresh process, as the stack's entries do; `prepare` marks the exports it was given. */
function runEntry(bundleFile: string, moduleFile: string, nodeOptions: string[] = []): string {
  const script = `
    const { runEntryPoint } = await import(${JSON.stringify(codeCache)});
    await runEntryPoint(new URL(${JSON.stringify(pathToFileURL(bundleFile).href)}),
      new URL(${JSON.stringify(pathToFileURL(moduleFile).href)}), (exports) => { exports.prepared = true; });`;
  return execFileSync(process.execPath, [...nodeOptions, '--input-type=module', '-e', script], { encoding: 'utf8' });
}

/** An entry bundle that reports, once started, whether it was prepared first and how many caches exist then. */
function entryBundle(dir: string): string {
  const file = join(dir, 'entry.cjs');
  writeFileSync(
    file,
    `const { readdirSync } = require('node:fs');
     module.exports = { started: new Promise((resolve) => setTimeout(resolve, 0)).then(() => {
       const caches = readdirSync(__dirname).filter((name) => name.endsWith('.v8cache')).length;
       console.log(JSON.stringify({ prepared: module.exports.prepared === true, caches }));
     }) };\n`,
  );
  return file;
}

describe("a process's entry point (runEntryPoint: the CLI, the language worker, Azurite's process)", () => {
  it('prepares the bundle before it starts, writes the cache once it has started, and reuses it after', () => {
    const dir = workspace();
    const file = entryBundle(dir);
    expect(JSON.parse(runEntry(file, join(dir, 'none.js')))).toEqual({ prepared: true, caches: 0 });
    const [cache] = caches(dir);
    expect(cache).toBeDefined();
    const written = statSync(join(dir, cache!)).mtimeMs;
    expect(JSON.parse(runEntry(file, join(dir, 'none.js')))).toEqual({ prepared: true, caches: 1 });
    expect(statSync(join(dir, cache!)).mtimeMs).toBe(written); // used, not written again
  });

  it('imports the module itself when there is no bundle (compiled by tsc alone)', () => {
    const dir = workspace();
    const module = join(dir, 'entry.mjs');
    writeFileSync(module, `console.log('the module ran');\n`);
    expect(runEntry(join(dir, 'entry.cjs'), module)).toBe('the module ran\n');
    expect(caches(dir)).toEqual([]);
  });

  it('loads the bundle through require, uncached, with source maps on, so traces can be mapped', () => {
    const dir = workspace();
    const file = entryBundle(dir);
    expect(JSON.parse(runEntry(file, join(dir, 'none.js'), ['--enable-source-maps']))).toEqual({
      prepared: true,
      caches: 0,
    });
    expect(caches(dir)).toEqual([]);
  });
});
