import type { HttpLoadApi } from '../children/httpLoad.js';
import type { StackApi } from '../children/stack.js';
import { ORDER_BODY, signIn } from '../lib/appClient.js';
import type { LoadResult } from '../lib/load.js';
import { profileArgs, summarizeProfile } from '../lib/profiles.js';
import type { BenchSettings, FigureResult } from '../lib/results.js';
import { BenchChild } from '../lib/rpc.js';
import { median } from '../lib/stats.js';
import { barChart } from '../lib/svg.js';

const CONNECTIONS = 16;
const TARGET = 2_000;
const PROFILE = 'order-intake-stack';

/**
 * Figure 2: POST /api/orders through the whole stack (Easy Auth, host, validation, Azurite store, broker) in
 * closed loop; baseline: GET /api/products (Easy Auth and host, no store or broker) on the same stack.
 * The stack always runs under the CPU profiler here, because "where the time goes" is part of the figure.
 */
export async function orderIntake(settings: BenchSettings): Promise<FigureResult> {
  const stack = await BenchChild.start<StackApi>(new URL('../children/stack.js', import.meta.url), {
    execArgv: profileArgs({ ...settings, profile: true }, PROFILE),
  });
  const load = await BenchChild.start<HttpLoadApi>(new URL('../children/httpLoad.js', import.meta.url));
  const runs: { orders: LoadResult[]; products: LoadResult[] } = { orders: [], products: [] };
  try {
    const { functions } = await stack.call('start', undefined);
    const token = await signIn(functions, 'bench-user');
    const run = (method: string, path: string, expectStatus: number, body?: string) =>
      load.call('closedLoop', {
        request: {
          method,
          url: `${functions}${path}`,
          headers: { 'X-ZUMO-AUTH': token, ...(body ? { 'Content-Type': 'application/json' } : {}) },
          body,
        },
        connections: CONNECTIONS,
        durationMs: settings.measureSeconds * 1000,
        warmupMs: settings.warmupSeconds * 1000,
        expectStatus,
      });
    for (let round = 0; round < settings.rounds; round++) {
      runs.products.push(await run('GET', '/api/products', 200));
      runs.orders.push(await run('POST', '/api/orders', 202, ORDER_BODY));
    }
  } finally {
    await load.stop();
    await stack.stop(30_000);
  }
  const pick = (results: LoadResult[]): LoadResult => {
    const rps = median(results.map((r) => r.requestsPerSecond));
    return results.find((r) => r.requestsPerSecond === rps) ?? results[0]!;
  };
  const orders = pick(runs.orders);
  const products = pick(runs.products);
  const profile = summarizeProfile(PROFILE, 15);
  const baseline = { name: 'GET /api/products', value: products.requestsPerSecond };
  return {
    id: 2,
    title: 'Order intake',
    measures: [
      { name: 'orders accepted/s', value: orders.requestsPerSecond, unit: 'orders/s', baseline, better: 'higher' },
      ...(['p50', 'p99'] as const).map((p) => ({
        name: `POST latency ${p}`,
        value: orders.latencyMs[p],
        unit: 'ms',
        baseline: { name: 'GET /api/products', value: products.latencyMs[p] },
        better: 'lower' as const,
      })),
    ],
    targets: [
      {
        target: `order intake ≥ ${TARGET.toLocaleString('en')} orders/s`,
        met: orders.requestsPerSecond >= TARGET,
        detail: `${orders.requestsPerSecond.toFixed(0)} orders/s (p99 ${orders.latencyMs.p99.toFixed(1)} ms)`,
      },
    ],
    notes: [
      `Closed loop, ${CONNECTIONS} keep-alive connections as one signed-in user, ${settings.rounds} round(s) of ` +
        `${settings.measureSeconds} s after ${settings.warmupSeconds} s warm-up; durable broker and Azurite on disk; ` +
        'the stack process runs under --cpu-prof (a few per cent slower).',
      ...[...runs.orders, ...runs.products]
        .filter((r) => r.errors > 0)
        .map((r) => `${r.errors} failed requests in a round, first: ${r.firstError}`),
      ...(profile
        ? [
            `Where the time goes: the stack's main thread was ${profile.busyPercent.toFixed(0)}% busy. Self time by ` +
              `area: ${profile.byArea.map((a) => `${a.area} ${a.selfPercent.toFixed(0)}%`).join(', ')}. Top functions:`,
            ...profile.hotSpots.map(
              (h) => `  ${h.selfPercent.toFixed(1)}% \`${h.function}\` ${h.location.replace(/^.*node_modules\//, '')}`,
            ),
          ]
        : []),
    ],
    charts: [
      {
        file: 'fig2-order-intake.svg',
        caption: 'Figure 2: orders/s through the whole stack vs a read through the same stack',
        svg: barChart({
          title: 'Order intake through the local stack',
          unit: 'requests/s',
          bars: [
            { label: 'GET /api/products', value: products.requestsPerSecond, baseline: true },
            { label: 'POST /api/orders', value: orders.requestsPerSecond },
          ],
        }),
      },
    ],
    raw: { runs, profile },
  };
}
