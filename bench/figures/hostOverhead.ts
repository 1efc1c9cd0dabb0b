import type { HttpLoadApi } from '../children/httpLoad.js';
import type { HttpServerApi } from '../children/httpServer.js';
import type { LoadResult } from '../lib/load.js';
import { BenchChild } from '../lib/rpc.js';
import type { BenchSettings, FigureResult } from '../lib/results.js';
import { median } from '../lib/stats.js';
import { barChart } from '../lib/svg.js';
import { profileArgs } from '../lib/profiles.js';

const CONNECTIONS = 16;

async function measure(kind: 'bare' | 'host', settings: BenchSettings): Promise<LoadResult> {
  const server = await BenchChild.start<HttpServerApi>(new URL('../children/httpServer.js', import.meta.url), {
    execArgv: profileArgs(settings, `host-overhead-${kind}`),
  });
  const load = await BenchChild.start<HttpLoadApi>(new URL('../children/httpLoad.js', import.meta.url));
  try {
    const { url } = await server.call('start', kind);
    return await load.call('closedLoop', {
      request: { method: 'GET', url },
      connections: CONNECTIONS,
      durationMs: settings.measureSeconds * 1000,
      warmupMs: settings.warmupSeconds * 1000,
      expectStatus: 200,
    });
  } finally {
    await Promise.all([load.stop(), server.stop()]);
  }
}

/** Figure 1: a trivial HTTP function through the local host against the same handler on bare node:http. */
export async function hostOverhead(settings: BenchSettings): Promise<FigureResult> {
  const runs: Record<'bare' | 'host', LoadResult[]> = { bare: [], host: [] };
  for (let round = 0; round < settings.rounds; round++) {
    runs.bare.push(await measure('bare', settings));
    runs.host.push(await measure('host', settings));
  }
  // The round with the median throughput stands for each server, latencies included.
  const pick = (results: LoadResult[]): LoadResult => {
    const rps = median(results.map((r) => r.requestsPerSecond));
    return results.find((r) => r.requestsPerSecond === rps) ?? results[0]!;
  };
  const bare = pick(runs.bare);
  const host = pick(runs.host);
  const ratio = host.requestsPerSecond / bare.requestsPerSecond;
  return {
    id: 1,
    title: 'Host overhead',
    measures: [
      {
        name: 'requests/s',
        value: host.requestsPerSecond,
        unit: 'req/s',
        baseline: { name: 'bare node:http', value: bare.requestsPerSecond },
        better: 'higher',
      },
      ...(['p50', 'p99'] as const).map((p) => ({
        name: `latency ${p}`,
        value: host.latencyMs[p],
        unit: 'ms',
        baseline: { name: 'bare node:http', value: bare.latencyMs[p] },
        better: 'lower' as const,
      })),
    ],
    targets: [
      {
        target: 'host overhead ≥ 0.5× bare node:http',
        met: ratio >= 0.5,
        detail: `${ratio.toFixed(2)}× (${host.requestsPerSecond.toFixed(0)} vs ${bare.requestsPerSecond.toFixed(0)} req/s)`,
      },
    ],
    notes: [
      `Closed loop, ${CONNECTIONS} keep-alive connections from a separate load-generator process, ` +
        `${settings.rounds} round(s) of ${settings.measureSeconds} s each after ${settings.warmupSeconds} s warm-up; median round.`,
      'The host runs with invocation logging discarded, so the figure is the host, not the terminal.',
      ...[...runs.bare, ...runs.host]
        .filter((r) => r.errors > 0)
        .map((r) => `${r.errors} failed requests in a round, first: ${r.firstError}`),
    ],
    charts: [
      {
        file: 'fig1-host-overhead.svg',
        caption: 'Figure 1: requests/s of the trivial function, local host vs bare node:http',
        svg: barChart({
          title: 'Host overhead: trivial HTTP handler',
          unit: 'requests/s',
          bars: [
            { label: 'bare node:http', value: bare.requestsPerSecond, baseline: true },
            { label: 'local Functions host', value: host.requestsPerSecond },
          ],
        }),
      },
    ],
    raw: runs,
  };
}
