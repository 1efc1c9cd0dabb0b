import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { DeployError } from '../core/deployError.js';
import type { ZipEntry } from './zip.js';

type LockPackage = {
  dev?: boolean;
  link?: boolean;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
};
type Lockfile = { lockfileVersion?: number; packages?: Record<string, LockPackage> };

/**
 * What the Functions host runs: package.json (its `main` points into dist/), host.json, the compiled app under
 * dist/src, and the production dependency tree as package-lock.json records it (dev tools stay out).
 */
export async function appPackageEntries(appDir: string): Promise<ZipEntry[]> {
  for (const required of ['package.json', 'host.json', 'package-lock.json']) {
    if (!existsSync(path.join(appDir, required))) throw new DeployError(`${required} is missing in ${appDir}`);
  }
  if (!existsSync(path.join(appDir, 'dist', 'src'))) {
    throw new DeployError(`${appDir}/dist/src does not exist`, 'Build the app first: npm run build.');
  }
  const entries: ZipEntry[] = ['package.json', 'host.json'].map((name) => ({ name, file: path.join(appDir, name) }));
  entries.push(...(await filesUnder(appDir, path.join('dist', 'src'))));
  for (const packageDir of await productionPackages(appDir)) {
    if (!existsSync(path.join(appDir, packageDir))) {
      throw new DeployError(`The production dependency ${packageDir} is not installed`, 'Run npm ci first.');
    }
    entries.push(...(await filesUnder(appDir, packageDir, 'node_modules')));
  }
  return entries;
}

/** Lockfile keys (`node_modules/a`, `node_modules/a/node_modules/b`) of everything `dependencies` pulls in. */
export async function productionPackages(appDir: string): Promise<string[]> {
  const lock = JSON.parse(await readFile(path.join(appDir, 'package-lock.json'), 'utf8')) as Lockfile;
  const packages = lock.packages;
  if (!packages || (lock.lockfileVersion ?? 0) < 2) {
    throw new DeployError('package-lock.json is older than lockfile version 2', 'Regenerate it with npm 7 or later.');
  }
  const root = packages[''] ?? {};
  const found = new Set<string>();
  const queue: { from: string; name: string; optional: boolean }[] = Object.keys(root.dependencies ?? {}).map(
    (name) => ({ from: '', name, optional: false }),
  );
  for (let next = queue.shift(); next; next = queue.shift()) {
    const key = resolve(packages, next.from, next.name);
    if (!key) {
      if (next.optional) continue;
      throw new DeployError(`package-lock.json does not resolve ${next.name}`, 'Run npm install to refresh it.');
    }
    if (found.has(key)) continue;
    found.add(key);
    const entry = packages[key] ?? {};
    const peerMeta = entry.peerDependenciesMeta ?? {};
    queue.push(
      ...Object.keys(entry.dependencies ?? {}).map((name) => ({ from: key, name, optional: false })),
      ...Object.keys(entry.optionalDependencies ?? {}).map((name) => ({ from: key, name, optional: true })),
      ...Object.keys(entry.peerDependencies ?? {}).map((name) => ({
        from: key,
        name,
        optional: peerMeta[name]?.optional === true,
      })),
    );
  }
  return [...found].sort();
}

/** Node's lookup: the nearest `node_modules/<name>` walking up from the dependent package. */
function resolve(packages: Record<string, LockPackage>, from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const key = `${base ? `${base}/` : ''}node_modules/${name}`;
    if (packages[key]) return key;
    if (!base) return undefined;
    const parent = base.lastIndexOf('/node_modules/');
    base = parent === -1 ? '' : base.slice(0, parent);
  }
}

async function filesUnder(appDir: string, relative: string, skipDir?: string): Promise<ZipEntry[]> {
  const entries: ZipEntry[] = [];
  for (const dirent of await readdir(path.join(appDir, relative), { withFileTypes: true })) {
    const child = path.join(relative, dirent.name);
    // Nested node_modules hold other lockfile entries, which are added (or left out) on their own.
    if (dirent.isDirectory() && dirent.name !== skipDir) entries.push(...(await filesUnder(appDir, child, skipDir)));
    else if (dirent.isFile()) entries.push({ name: child.split(path.sep).join('/'), file: path.join(appDir, child) });
  }
  return entries.sort((a, b) => a.name.localeCompare(b.name));
}
