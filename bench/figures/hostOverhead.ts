import type { HttpLoadApi } from '../children/httpLoad.js';
import type { HttpServerApi, ServerKind } from '../children/httpServer.js';
import type { LoadResult } from '../lib/load.js';
import { profileArgs, summarizeProfile, type ProfileSummary } from '../lib/profiles.js';
import type { BenchSettings, FigureResult } from '../lib/results.js';
import { BenchChild } from '../lib/rpc.js';
import { medianRound, monotonicUs } from '../lib/stats.js';
import { barChart } from '../lib/svg.js';

const CONNECTIONS = 16;
/** The host with one worker against the library driven in-process: what the process boundary may cost. */
const TARGET = 0.8;

type Server = { kind: ServerKind; workers?: number; label: string };
const SERVERS: Record<'bare' | 'library' | 'host1' | 'host2', Server> = {
  bare: { kind: 'bare', label: 'bare node:http' },
  library: { kind: 'library', label: '@azure/functions library in-process on node:http' },
  host1: { kind: 'host', workers: 1, label: 'local host, 1 worker' },
  host2: { kind: 'host', workers: 2, label: 'local host, 2 workers' },
};
type ServerId = keyof typeof SERVERS;

type Round = { load: LoadResult; profiles: { name: string; summary: ProfileSummary | undefined }[] };

async function measure(id: ServerId, settings: BenchSettings): Promise<Round> {
  const server = SERVERS[id];
  const name = `host-overhead-${id}`;
  // With --profile, the host's worker processes write profiles of their own next to the host's.
  const workerArgs = server.kind === 'host' ? profileArgs(settings, `${name}-worker`) : [];
  const child = await BenchChild.start<HttpServerApi>(new URL('../children/httpServer.js', import.meta.url), {
    execArgv: profileArgs(settings, name),
  });
  const load = await BenchChild.start<HttpLoadApi>(new URL('../children/httpLoad.js', import.meta.url));
  let result: LoadResult;
  let window: { fromUs: number; toUs: number };
  try {
    const { url } = await child.call('start', { kind: server.kind, workers: server.workers, workerArgs });
    const fromUs = monotonicUs() + settings.warmupSeconds * 1e6;
    result = await load.call('closedLoop', {
      request: { method: 'GET', url },
      connections: CONNECTIONS,
      durationMs: settings.measureSeconds * 1000,
      warmupMs: settings.warmupSeconds * 1000,
      expectStatus: 200,
    });
    window = { fromUs, toUs: monotonicUs() };
  } finally {
    await Promise.all([load.stop(), child.stop()]);
  }
  // Profiles are written when the processes exit, so they are read after stop().
  const profiles = settings.profile
    ? [name, ...(workerArgs.length > 0 ? [`${name}-worker`] : [])].map((p) => ({
        name: p,
        summary: summarizeProfile(p, 8, window),
      }))
    : [];
  return { load: result, profiles };
}

function profileNotes(rounds: Record<ServerId, Round>): string[] {
  return Object.values(rounds).flatMap((round) =>
    round.profiles.flatMap(({ name, summary }) =>
      summary
        ? [
            `Profile ${name}: main thread ${summary.busyPercent.toFixed(0)}% busy; by area ` +
              summary.byArea
                .slice(0, 5)
                .map((a) => `${a.area} ${a.selfPercent.toFixed(0)}%`)
                .join(', ') +
              '; hot spots ' +
              summary.hotSpots
                .slice(0, 5)
                .map((h) => `${h.function} (${h.location}) ${h.selfPercent.toFixed(1)}%`)
                .join(', ') +
              '.',
          ]
        : [],
    ),
  );
}

/**
 * Figure 1: a trivial HTTP function through the local host (HTTP here, the app in a worker process) against the
 * same function driven by the library in-process on bare node:http (the ceiling), and bare node:http alone.
 */
export async function hostOverhead(settings: BenchSettings): Promise<FigureResult> {
  const runs: Record<ServerId, Round[]> = { bare: [], library: [], host1: [], host2: [] };
  for (let round = 0; round < settings.rounds; round++) {
    for (const id of Object.keys(runs) as ServerId[]) runs[id].push(await measure(id, settings));
  }
  // The round with the median throughput stands for each server, latencies and profiles included.
  const median = Object.fromEntries(
    (Object.keys(runs) as ServerId[]).map((id) => [id, medianRound(runs[id], (r) => r.load.requestsPerSecond)]),
  ) as Record<ServerId, Round>;
  const rps = (id: ServerId): number => median[id].load.requestsPerSecond;
  const ratio = rps('host1') / rps('library');
  const baseline = (id: ServerId) => ({ name: SERVERS[id].label, value: rps(id) });
  return {
    id: 1,
    title: 'Host overhead',
    measures: [
      {
        name: 'requests/s, 1 worker',
        value: rps('host1'),
        unit: 'req/s',
        baseline: baseline('library'),
        better: 'higher',
      },
      {
        name: 'requests/s, 2 workers',
        value: rps('host2'),
        unit: 'req/s',
        baseline: baseline('host1'),
        better: 'higher',
      },
      {
        name: 'library in-process',
        value: rps('library'),
        unit: 'req/s',
        baseline: baseline('bare'),
        better: 'higher',
      },
      ...(['p50', 'p99'] as const).map((p) => ({
        name: `latency ${p}, 1 worker`,
        value: median.host1.load.latencyMs[p],
        unit: 'ms',
        baseline: { name: SERVERS.library.label, value: median.library.load.latencyMs[p] },
        better: 'lower' as const,
      })),
    ],
    targets: [
      {
        target: `host (1 worker) ≥ ${TARGET}× the library in-process`,
        met: ratio >= TARGET,
        detail: `${ratio.toFixed(2)}× (${rps('host1').toFixed(0)} vs ${rps('library').toFixed(0)} req/s)`,
      },
    ],
    notes: [
      `Closed loop, ${CONNECTIONS} keep-alive connections from a separate load-generator process, ` +
        `${settings.rounds} round(s) of ${settings.measureSeconds} s each after ${settings.warmupSeconds} s warm-up; median round.`,
      'The host runs with invocation logging discarded, so the figure is the host, not the terminal.',
      `The ceiling is the same function through the same library pipeline (core module, invocation model, the ` +
        `host's request and response conversion) in the HTTP server's own process: no routing, no IPC.`,
      `Workers: 2 workers give ${(rps('host2') / rps('host1')).toFixed(2)}× the throughput of 1 on this machine ` +
        `(the host process and the workers share its cores).`,
      ...profileNotes(median),
      ...Object.values(runs)
        .flat()
        .filter((r) => r.load.errors > 0)
        .map((r) => `${r.load.errors} failed requests in a round, first: ${r.load.firstError}`),
    ],
    charts: [
      {
        file: 'fig1-host-overhead.svg',
        caption:
          'Figure 1: requests/s of the trivial function — bare node:http, the library in-process, and the local ' +
          'host with its app in 1 and 2 worker processes',
        svg: barChart({
          title: 'Host overhead: trivial HTTP function',
          unit: 'requests/s',
          bars: [
            { label: 'bare node:http', value: rps('bare'), baseline: true },
            { label: 'library in-process', value: rps('library') },
            { label: 'host, 1 worker', value: rps('host1') },
            { label: 'host, 2 workers', value: rps('host2') },
          ],
        }),
      },
    ],
    raw: { runs },
  };
}
