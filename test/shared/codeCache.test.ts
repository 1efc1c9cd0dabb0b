import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
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

describe("V8's code cache for a CommonJS bundle (Azurite's process)", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });
  const workspace = () => {
    const dir = mkdtempSync(join(tmpdir(), 'code-cache-'));
    dirs.push(dir);
    return dir;
  };

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
