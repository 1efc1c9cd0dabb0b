import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/** A throwaway tree shaped like this repository's, for the bundler script to build in. */
function workspace(): string {
  const dir = mkdtempSync(join(tmpdir(), 'app-bundle-'));
  mkdirSync(join(dir, 'scripts'));
  mkdirSync(join(dir, 'dist', 'src', 'functions'), { recursive: true });
  copyFileSync(join(root, 'scripts', 'build-app.mjs'), join(dir, 'scripts', 'build-app.mjs'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  return dir;
}

function writeFunction(dir: string, name: string, says: string): void {
  writeFileSync(
    join(dir, 'dist', 'src', 'functions', `${name}.js`),
    `globalThis.said = [...(globalThis.said ?? []), ${JSON.stringify(says)}];\n`,
  );
}

/** Resolves once the bundle's entry has been written with content that `matches` (checked at once, then on change). */
function bundleMatching(dir: string, matches: (text: string) => boolean): Promise<string> {
  const out = join(dir, 'dist', 'src', 'bundle');
  return new Promise((resolve) => {
    const check = () => {
      try {
        const text = readFileSync(join(out, 'functions.js'), 'utf8');
        if (matches(text)) {
          watcher.close();
          resolve(text);
        }
      } catch {
        // Not written yet.
      }
    };
    // The script clears the bundle's folder when it starts: watch the folder above it.
    const watcher = watch(join(dir, 'dist', 'src'), { recursive: true }, check);
    check();
  });
}

describe("the app's bundle (scripts/build-app.mjs)", () => {
  let watcher: ChildProcess | undefined;
  const dirs: string[] = [];
  afterEach(async () => {
    if (watcher && watcher.exitCode === null && watcher.signalCode === null) {
      const exited = new Promise((resolve) => watcher!.once('exit', resolve));
      watcher.kill('SIGTERM');
      await exited;
    }
    watcher = undefined;
    // esbuild's own process may finish a write just after its parent has gone: retry what it recreates.
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 50 });
  });

  it('is what package.json main names, with every function file of dist/src/functions inside', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string };
    expect(pkg.main).toBe('dist/src/bundle/functions.js');
    const bundle = readFileSync(join(root, pkg.main), 'utf8');
    for (const name of ['createOrder', 'processOrder', 'negotiate', 'sweepStuckOrders']) {
      expect(bundle).toContain(JSON.stringify(name));
    }
  });

  it('with --watch, follows an edited function file and a new one', async () => {
    const dir = workspace();
    dirs.push(dir);
    writeFunction(dir, 'a', 'first a');
    const first = bundleMatching(dir, (text) => text.includes('first a'));
    watcher = spawn(process.execPath, ['scripts/build-app.mjs', '--watch'], { cwd: dir, stdio: 'ignore' });
    await first;

    const edited = bundleMatching(dir, (text) => text.includes('second a'));
    writeFunction(dir, 'a', 'second a');
    await edited;

    const added = bundleMatching(dir, (text) => text.includes('new b') && text.includes('second a'));
    writeFunction(dir, 'b', 'new b');
    await added;
  }, 30_000);
});
