import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

function sourceFiles(folder: string): string[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (path.endsWith('.ts') && !path.endsWith('.d.ts')) files.push(path);
    }
  };
  walk(join(root, folder));
  return files;
}

/** Folder → the folders its files import from (relative imports only), over the given top-level folders. */
function folderGraph(tops: string[]): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of tops.flatMap(sourceFiles)) {
    const from = relative(root, dirname(file));
    for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/from '(\.[^']+)'/g)) {
      const to = relative(root, dirname(normalize(join(dirname(file), specifier!))));
      if (to === from) continue;
      if (!graph.has(from)) graph.set(from, new Set());
      graph.get(from)!.add(to);
    }
  }
  return graph;
}

/** Strongly connected groups of more than one folder (Tarjan): each is a cycle. */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const found: string[][] = [];
  const visit = (v: string): void => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (stack.includes(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const group: string[] = [];
    for (let w = stack.pop(); w !== undefined; w = w === v ? undefined : stack.pop()) group.push(w);
    if (group.length > 1) found.push(group.sort());
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('the folder layout', () => {
  const graph = folderGraph(['src', 'local', 'infra', 'web/src', 'bench']);

  it('has no import cycles between folders (a parent and its subfolder count as two)', () => {
    expect(cycles(graph)).toEqual([]);
  });

  it('keeps the deployed app and the local stack apart: src/ never imports local/, local/ never imports src/', () => {
    const crossing = [...graph].flatMap(([from, tos]) =>
      [...tos]
        .filter(
          (to) =>
            (from.startsWith('src') && to.startsWith('local')) || (from.startsWith('local') && to.startsWith('src')),
        )
        .map((to) => `${from} → ${to}`),
    );
    expect(crossing).toEqual([]);
  });
});
