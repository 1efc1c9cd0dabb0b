import { existsSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { repoRoot } from './paths.js';
import type { BenchSettings } from './results.js';

export const profilesDir = join(repoRoot, 'bench/results/profiles');

/**
 * Node flags that write CPU profiles of a bench child to profiles/<name>/ when profiling is on. A folder, not a
 * file name: Node writes one profile per thread, and the host's module-hook thread would overwrite the main one.
 */
export function profileArgs(settings: BenchSettings, name: string): string[] {
  if (!settings.profile) return [];
  rmSync(join(profilesDir, name), { recursive: true, force: true });
  return ['--cpu-prof', `--cpu-prof-dir=${join(profilesDir, name)}`];
}

/** The main thread's profile of a profiled child: the biggest file in its folder. */
function mainThreadProfile(name: string): string | undefined {
  const dir = join(profilesDir, name);
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir).map((f) => join(dir, f));
  return files.sort((a, b) => statSync(b).size - statSync(a).size)[0];
}

type ProfileNode = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
};
type CpuProfile = { nodes: ProfileNode[]; startTime: number; samples: number[]; timeDeltas: number[] };

/** A stretch of a profile, in microseconds on the monotonic clock its samples are stamped with (monotonicUs). */
export type ProfileWindow = { fromUs: number; toUs: number };

/** Samples per node id, only those taken inside `window` when one is given. */
function hitsInWindow(profile: CpuProfile, window: ProfileWindow | undefined): Map<number, number> {
  const hits = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i]!;
    if (window && (at < window.fromUs || at > window.toUs)) return;
    hits.set(id, (hits.get(id) ?? 0) + 1);
  });
  return hits;
}

export type HotSpot = { function: string; location: string; selfPercent: number };
export type ProfileSummary = {
  busyPercent: number;
  byArea: { area: string; selfPercent: number }[];
  hotSpots: HotSpot[];
};

// Which part of the stack a location belongs to, first match wins.
const AREAS: [RegExp, string][] = [
  [/node_modules\/azurite\//, 'Azurite (in-process table server)'],
  [
    /node_modules\/@azure\/(data-tables|core-|logger|abort)|node_modules\/@typespec\//,
    'Azure SDK (@azure/data-tables, core)',
  ],
  [/webpack:\/\/azure\/functions|node_modules\/@azure\/functions\//, '@azure/functions library'],
  [/better-sqlite3/, 'SQLite (better-sqlite3)'],
  [/^local\/host\//, 'local/host'],
  [/^local\/servicebus\//, 'local/servicebus'],
  [/^local\/signalr\//, 'local/signalr'],
  [/^local\/(auth|stack|shared)\//, 'local/auth, stack, shared'],
  [/^src\//, 'the app (src/)'],
  [/node_modules\//, 'other npm packages'],
  [/^\(garbage collector\)/, 'garbage collector'],
  [/^node:internal\/modules|^node:internal\/bootstrap/, 'module loading'],
  [/^node:|^\(native\)|^\(program\)/, 'Node.js core and native'],
];

function areaOf(functionName: string, location: string): string {
  const key = functionName === '(garbage collector)' ? functionName : location;
  return AREAS.find(([pattern]) => pattern.test(key))?.[1] ?? 'other';
}

const isNodeCore = (area: string): boolean => area === 'Node.js core and native' || area === 'other';

/**
 * Busy samples per area, where time spent inside Node core (writev, crypto, streams) counts for the nearest
 * caller outside it: "who made Node do this work".
 */
function attributeToAreas(nodes: ProfileNode[], hitsOf: Map<number, number>): Map<string, number> {
  const parent = new Map<number, ProfileNode>();
  for (const node of nodes) for (const child of node.children ?? []) parent.set(child, node);
  const own = (node: ProfileNode): string => {
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    return areaOf(functionName, sourceLocation(url, lineNumber, columnNumber));
  };
  const areas = new Map<string, number>();
  for (const node of nodes) {
    const hits = hitsOf.get(node.id) ?? 0;
    if (hits === 0 || node.callFrame.functionName === '(idle)') continue;
    let area = own(node);
    for (let up = parent.get(node.id); isNodeCore(area) && up; up = parent.get(up.id)) {
      const above = own(up);
      if (!isNodeCore(above)) area = above;
    }
    areas.set(area, (areas.get(area) ?? 0) + hits);
  }
  return areas;
}

/**
 * How busy the child's main thread was, and the functions with the most self time (as shares of busy time),
 * located as repo-relative TypeScript file:line where a source map says so. With a `window`, only the samples
 * taken in it count (e.g. the measured load, without start-up).
 */
export function summarizeProfile(name: string, count = 12, window?: ProfileWindow): ProfileSummary | undefined {
  const file = mainThreadProfile(name);
  if (!file) return undefined;
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const hitsOf = hitsInWindow(profile, window);
  const byFunction = new Map<string, { hits: number; fn: string; location: string }>();
  let total = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber, columnNumber } = node.callFrame;
    const hits = hitsOf.get(node.id) ?? 0;
    // Idle time is not work: percentages are of busy time.
    if (functionName === '(idle)') {
      idle += hits;
      continue;
    }
    total += hits;
    const location = sourceLocation(url, lineNumber, columnNumber);
    const key = `${functionName}@${location}`;
    const entry = byFunction.get(key) ?? { hits: 0, fn: functionName || '(anonymous)', location };
    entry.hits += hits;
    byFunction.set(key, entry);
  }
  // No busy sample (an empty window): nothing to divide by.
  if (total === 0) return undefined;
  const areas = attributeToAreas(profile.nodes, hitsOf);
  const byArea = [...areas]
    .sort((a, b) => b[1] - a[1])
    .map(([area, hits]) => ({ area, selfPercent: (hits / total) * 100 }));
  const hotSpots = [...byFunction.values()]
    .sort((a, b) => b.hits - a.hits)
    .slice(0, count)
    .map((e) => ({ function: e.fn, location: e.location, selfPercent: (e.hits / total) * 100 }));
  return { busyPercent: (total / (total + idle)) * 100, byArea, hotSpots };
}

const sourceMaps = new Map<string, SourceMap | undefined>();

/** `file:line` of the TypeScript source when the compiled file has a source map, else of the file itself. */
function sourceLocation(url: string, line: number, column: number): string {
  if (!url.startsWith('file://')) return `${url || '(native)'}:${line + 1}`;
  const file = fileURLToPath(url);
  if (!sourceMaps.has(file)) {
    const mapFile = `${file}.map`;
    sourceMaps.set(
      file,
      existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8')) as never) : undefined,
    );
  }
  const entry = sourceMaps.get(file)?.findEntry(line, column);
  if (entry && 'originalSource' in entry) {
    const source = new URL(entry.originalSource, url);
    const path = source.protocol === 'file:' ? relative(repoRoot, fileURLToPath(source)) : source.href;
    return `${path}:${entry.originalLine + 1}`;
  }
  return `${relative(repoRoot, file)}:${line + 1}`;
}
