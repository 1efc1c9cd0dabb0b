import type { HttpLoadApi } from '../children/httpLoad.js';
import type { HttpServerApi } from '../children/httpServer.js';
import type { LoadResult } from '../lib/load.js';
import { profileArgs, summarizeProfile, type ProfileSummary } from '../lib/profiles.js';
import type { BenchSettings, FigureResult } from '../lib/results.js';
import { BenchChild } from '../lib/rpc.js';
import { medianRound, monotonicUs } from '../lib/stats.js';
import { barChart } from '../lib/svg.js';

const CONNECTIONS = 16;
const TARGET = 0.5;
const LIBRARY_AREA = '@azure/functions library';

type Round = { load: LoadResult; profile?: ProfileSummary };

async function measure(kind: 'bare' | 'host', settings: BenchSettings): Promise<Round> {
  // The host always runs under the profiler: the library ceiling is computed from its profile.
  const profiled = kind === 'host' ? { ...settings, profile: true } : settings;
  const profileName = `host-overhead-${kind}`;
  const server = await BenchChild.start<HttpServerApi>(new URL('../children/httpServer.js', import.meta.url), {
    execArgv: profileArgs(profiled, profileName),
  });
  const load = await BenchChild.start<HttpLoadApi>(new URL('../children/httpLoad.js', import.meta.url));
  let result: LoadResult;
  let window: { fromUs: number; toUs: number };
  try {
    const { url } = await server.call('start', kind);
    // The profile counts from here: the measured load, not start-up or warm-up.
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
    await Promise.all([load.stop(), server.stop()]);
  }
  // The profile is written when the child exits, so it is read after stop().
  return { load: result, profile: kind === 'host' ? summarizeProfile(profileName, 12, window) : undefined };
}

/**
 * What the @azure/functions library alone costs per request (from the host's profile) and the req/s a host
 * with no cost of its own would reach: bare node:http's time per request plus the library's.
 */
function libraryCeiling(host: Round, bare: LoadResult) {
  if (!host.profile) return undefined;
  const busy = host.profile.busyPercent / 100;
  const share = (host.profile.byArea.find((a) => a.area === LIBRARY_AREA)?.selfPercent ?? 0) / 100;
  const hostUs = (busy / host.load.requestsPerSecond) * 1e6;
  const libraryUs = share * hostUs;
  // Under saturation bare node:http spends at most 1/rps per request (less if its thread was not always busy).
  const bareUs = 1e6 / bare.requestsPerSecond;
  return { busy, share, hostUs, libraryUs, bareUs, requestsPerSecond: 1e6 / (bareUs + libraryUs) };
}

/** Figure 1: a trivial HTTP function through the local host against the same handler on bare node:http. */
export async function hostOverhead(settings: BenchSettings): Promise<FigureResult> {
  const runs: Record<'bare' | 'host', Round[]> = { bare: [], host: [] };
  for (let round = 0; round < settings.rounds; round++) {
    runs.bare.push(await measure('bare', settings));
    runs.host.push(await measure('host', settings));
  }
  // The round with the median throughput stands for each server, latencies and profile included.
  const bare = medianRound(runs.bare, (r) => r.load.requestsPerSecond).load;
  const hostRound = medianRound(runs.host, (r) => r.load.requestsPerSecond);
  const host = hostRound.load;
  const ratio = host.requestsPerSecond / bare.requestsPerSecond;
  const ceiling = libraryCeiling(hostRound, bare);
  const bareBaseline = { name: 'bare node:http', value: bare.requestsPerSecond };
  const times = (value: number): string => `${(value / bare.requestsPerSecond).toFixed(2)}×`;
  return {
    id: 1,
    title: 'Host overhead',
    measures: [
      { name: 'requests/s', value: host.requestsPerSecond, unit: 'req/s', baseline: bareBaseline, better: 'higher' },
      ...(['p50', 'p99'] as const).map((p) => ({
        name: `latency ${p}`,
        value: host.latencyMs[p],
        unit: 'ms',
        baseline: { name: 'bare node:http', value: bare.latencyMs[p] },
        better: 'lower' as const,
      })),
      ...(ceiling
        ? [
            {
              name: 'ceiling with the @azure/functions library alone',
              value: ceiling.requestsPerSecond,
              unit: 'req/s',
              baseline: bareBaseline,
              better: 'higher' as const,
            },
          ]
        : []),
    ],
    targets: [
      {
        target: `host overhead ≥ ${TARGET}× bare node:http`,
        met: ratio >= TARGET,
        detail: `${ratio.toFixed(2)}× (${host.requestsPerSecond.toFixed(0)} vs ${bare.requestsPerSecond.toFixed(0)} req/s)`,
      },
    ],
    notes: [
      `Closed loop, ${CONNECTIONS} keep-alive connections from a separate load-generator process, ` +
        `${settings.rounds} round(s) of ${settings.measureSeconds} s each after ${settings.warmupSeconds} s warm-up; median round.`,
      'The host runs with invocation logging discarded, so the figure is the host, not the terminal; and always ' +
        'under --cpu-prof (a few per cent slower), for the ceiling below.',
      ...(ceiling
        ? [
            `Ceiling with the library alone: during the measured load the host's main thread was ` +
              `${(ceiling.busy * 100).toFixed(0)}% busy, ${(ceiling.share * 100).toFixed(0)}% of that in the ` +
              `@azure/functions library (its code and the Node core work it calls; GC not counted), i.e. ` +
              `${ceiling.libraryUs.toFixed(0)} µs of CPU per request out of ${ceiling.hostUs.toFixed(0)} µs ` +
              `(busy share × 1/req/s). A host costing nothing of its own would pay that plus bare node:http's ` +
              `time per request, taken as 1/${bare.requestsPerSecond.toFixed(0)} req/s = ${ceiling.bareUs.toFixed(0)} µs ` +
              `(an upper bound, as its thread may not have been saturated): 1 / (${ceiling.bareUs.toFixed(0)} + ` +
              `${ceiling.libraryUs.toFixed(0)}) µs = ${ceiling.requestsPerSecond.toFixed(0)} req/s, ` +
              `${times(ceiling.requestsPerSecond)} bare. Even with bare's time as zero the library caps the host at ` +
              `${(1e6 / ceiling.libraryUs).toFixed(0)} req/s (${times(1e6 / ceiling.libraryUs)}).`,
          ]
        : ['No profile of the host was written, so there is no library ceiling.']),
      ...[...runs.bare, ...runs.host]
        .filter((r) => r.load.errors > 0)
        .map((r) => `${r.load.errors} failed requests in a round, first: ${r.load.firstError}`),
    ],
    charts: [
      {
        file: 'fig1-host-overhead.svg',
        caption:
          'Figure 1: requests/s of the trivial function, local host vs bare node:http, and the ceiling the ' +
          '@azure/functions library alone allows',
        svg: barChart({
          title: 'Host overhead: trivial HTTP handler',
          unit: 'requests/s',
          bars: [
            { label: 'bare node:http', value: bare.requestsPerSecond, baseline: true },
            { label: 'local Functions host', value: host.requestsPerSecond },
            ...(ceiling ? [{ label: 'library alone', value: ceiling.requestsPerSecond }] : []),
          ],
        }),
      },
    ],
    raw: { runs, ceiling },
  };
}
