import { availableParallelism } from 'node:os';
import type { AzuriteApi } from '../children/azurite.js';
import type { HttpLoadApi } from '../children/httpLoad.js';
import type { StackApi } from '../children/stack.js';
import type { TableLoadApi } from '../children/tableLoad.js';
import { ORDER_BODY, signIn } from '../lib/appClient.js';
import type { LoadResult } from '../lib/load.js';
import { profileArgs, summarizeProfile } from '../lib/profiles.js';
import type { BenchSettings, FigureResult } from '../lib/results.js';
import { BenchChild } from '../lib/rpc.js';
import { medianRound } from '../lib/stats.js';
import { barChart } from '../lib/svg.js';

const CONNECTIONS = 16;
// The stack against its own ceiling: the share of the table store's rate that intake reaches.
const MIN_SHARE_OF_CEILING = 0.9;
const PROFILE = 'order-intake-stack';

/** A process's CPU while the table store was measured: per counted order, and as a share of one core. */
type ProcessCpu = { msPerOrder: number; corePercent: number };

type TableStoreRun = {
  load: LoadResult;
  /** Orders in the table at the end, warm-up included: Azurite's cost per operation grows with it. */
  ordersInTable: number;
  /** The SDK side (the load child) and Azurite's process (Linux only). */
  cpu: { client: ProcessCpu; azurite?: ProcessCpu };
};

/** One measured round of orders, and the CPU each process spent per order on them (acceptance and processing). */
type OrdersRun = { load: LoadResult; cpu: Map<string, number> };

const DRAIN_TIMEOUT_MS = 120_000;

type StackCpu = { stackMs: number; children: Record<string, number> };

/** Milliseconds of CPU per counted order: the stack's process, each child process by role, the load generator. */
function cpuPerOrder(before: StackCpu, after: StackCpu, loadMs: number, load: LoadResult): Map<string, number> {
  const perOrder = new Map<string, number>([['stack process', (after.stackMs - before.stackMs) / load.completed]]);
  for (const [role, ms] of Object.entries(after.children)) {
    perOrder.set(role, (ms - (before.children[role] ?? 0)) / load.completed);
  }
  perOrder.set('load generator', loadMs / load.completed);
  return perOrder;
}

const processCpu = (cpuMs: number, load: LoadResult): ProcessCpu => ({
  msPerOrder: cpuMs / load.completed,
  corePercent: (cpuMs / load.elapsedMs) * 100,
});

/**
 * The table store alone: a fresh Azurite as the stack starts it, and the app's table work for one order per
 * iteration from a separate process, with as many loops as the figure has connections.
 */
async function measureTableStore(inMemory: boolean, settings: BenchSettings): Promise<TableStoreRun> {
  const store = await BenchChild.start<AzuriteApi>(new URL('../children/azurite.js', import.meta.url));
  const client = await BenchChild.start<TableLoadApi>(new URL('../children/tableLoad.js', import.meta.url));
  try {
    const { connectionString } = await store.call('start', { inMemory });
    await client.call('connect', { connectionString });
    // Warm-up as a run of its own, so the CPU readings bracket exactly the counted orders.
    const warmup = await client.call('orders', { loops: CONNECTIONS, durationMs: settings.warmupSeconds * 1000 });
    const azuriteBefore = await store.call('cpuSeconds', undefined);
    const { cpuMs, ...load } = await client.call('orders', {
      loops: CONNECTIONS,
      durationMs: settings.measureSeconds * 1000,
    });
    const azuriteAfter = await store.call('cpuSeconds', undefined);
    return {
      load,
      ordersInTable: warmup.completed + load.completed,
      cpu: {
        client: processCpu(cpuMs, load),
        azurite:
          azuriteBefore === null || azuriteAfter === null
            ? undefined
            : processCpu((azuriteAfter - azuriteBefore) * 1000, load),
      },
    };
  } finally {
    await Promise.all([client.stop(), store.stop()]);
  }
}

/**
 * Figure 2: POST /api/orders through the whole stack (Easy Auth, host, validation, Azurite store, broker) in
 * closed loop; baseline: GET /api/products (Easy Auth and host, no store or broker) on the same stack.
 * The stack always runs under the CPU profiler here, because "where the time goes" is part of the figure; and
 * the table store alone is measured after it, as the ceiling it puts on the stack.
 */
export async function orderIntake(settings: BenchSettings): Promise<FigureResult> {
  const stack = await BenchChild.start<StackApi>(new URL('../children/stack.js', import.meta.url), {
    execArgv: profileArgs({ ...settings, profile: true }, PROFILE),
  });
  const load = await BenchChild.start<HttpLoadApi>(new URL('../children/httpLoad.js', import.meta.url));
  const runs: { orders: OrdersRun[]; products: LoadResult[] } = { orders: [], products: [] };
  try {
    const { functions } = await stack.call('start', undefined);
    const token = await signIn(functions, 'bench-user');
    const loop = (
      method: string,
      path: string,
      expectStatus: number,
      body: string | undefined,
      warmupMs: number,
      durationMs: number,
    ) =>
      load.call('closedLoop', {
        request: {
          method,
          url: `${functions}${path}`,
          headers: { 'X-ZUMO-AUTH': token, ...(body ? { 'Content-Type': 'application/json' } : {}) },
          body,
        },
        connections: CONNECTIONS,
        durationMs,
        warmupMs,
        expectStatus,
      });
    const warmupMs = settings.warmupSeconds * 1000;
    const measureMs = settings.measureSeconds * 1000;
    for (let round = 0; round < settings.rounds; round++) {
      runs.products.push(await loop('GET', '/api/products', 200, undefined, warmupMs, measureMs));
      // Warm-up as a call of its own and both ends drained, so the CPU readings bracket exactly the counted
      // orders, their processing included.
      await loop('POST', '/api/orders', 202, ORDER_BODY, 0, warmupMs);
      await stack.call('drained', { timeoutMs: DRAIN_TIMEOUT_MS });
      const before = await stack.call('cpu', undefined);
      const { cpuMs: loadMs, ...result } = await loop('POST', '/api/orders', 202, ORDER_BODY, 0, measureMs);
      await stack.call('drained', { timeoutMs: DRAIN_TIMEOUT_MS });
      runs.orders.push({ load: result, cpu: cpuPerOrder(before, await stack.call('cpu', undefined), loadMs, result) });
    }
  } finally {
    await load.stop();
    await stack.stop(30_000);
  }
  // Apart from the stack, so the two never share the cores.
  const tables: Record<'durable' | 'inMemory', TableStoreRun[]> = { durable: [], inMemory: [] };
  for (let round = 0; round < settings.rounds; round++) {
    tables.durable.push(await measureTableStore(false, settings));
    tables.inMemory.push(await measureTableStore(true, settings));
  }
  const pick = (results: LoadResult[]): LoadResult => medianRound(results, (r) => r.requestsPerSecond);
  const ordersRun = medianRound(runs.orders, (r) => r.load.requestsPerSecond);
  const orders = ordersRun.load;
  const products = pick(runs.products);
  const durable = medianRound(tables.durable, (r) => r.load.requestsPerSecond);
  const inMemory = medianRound(tables.inMemory, (r) => r.load.requestsPerSecond);
  const profile = summarizeProfile(PROFILE, 15);
  const baseline = { name: 'GET /api/products', value: products.requestsPerSecond };
  const stackBaseline = { name: 'whole stack', value: orders.requestsPerSecond };
  const usage = (who: string, cpu: ProcessCpu): string =>
    `${who} ${cpu.msPerOrder.toFixed(2)} ms at ${cpu.corePercent.toFixed(0)}% of a core`;
  const cpu = ({ cpu: { azurite, client } }: TableStoreRun): string =>
    ` (CPU per order: ${azurite ? `${usage('Azurite', azurite)}, ` : ''}${usage('SDK client', client)})`;
  const ceiling = durable.load.requestsPerSecond;
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
      ...[
        { name: 'Azurite + Table SDK ceiling, durable', run: durable },
        { name: 'Azurite + Table SDK ceiling, in memory', run: inMemory },
      ].map(({ name, run }) => ({
        name,
        value: run.load.requestsPerSecond,
        unit: 'orders/s',
        baseline: stackBaseline,
        better: 'higher' as const,
      })),
    ],
    targets: [
      {
        target: `order intake ≥ ${MIN_SHARE_OF_CEILING}× the Azurite + Table SDK ceiling (durable)`,
        met: orders.requestsPerSecond >= MIN_SHARE_OF_CEILING * ceiling,
        detail:
          `${(orders.requestsPerSecond / ceiling).toFixed(2)}×: ${orders.requestsPerSecond.toFixed(0)} orders/s ` +
          `(p99 ${orders.latencyMs.p99.toFixed(1)} ms) against ${ceiling.toFixed(0)}`,
      },
    ],
    notes: [
      `Closed loop, ${CONNECTIONS} keep-alive connections as one signed-in user, ${settings.rounds} round(s) of ` +
        `${settings.measureSeconds} s after ${settings.warmupSeconds} s warm-up; durable broker and Azurite on disk; ` +
        'the stack process runs under --cpu-prof (a few per cent slower).',
      `Ceiling: the table store alone. Azurite started as the stack starts it (startAzurite: own process, port 0, ` +
        `fresh folder), driven from another process by the app's OrderStore on @azure/data-tables, one order's ` +
        `table work per iteration (createEntity as POST /api/orders does; updateEntity Replace with the ETag that ` +
        `create returned, as the processor does with the message it gets), ${CONNECTIONS} loops in one user's partition, ${settings.warmupSeconds} s ` +
        `warm-up then ${settings.measureSeconds} s, median of ${settings.rounds} round(s): ` +
        `${ceiling.toFixed(0)} orders/s durable${cpu(durable)}, ` +
        `${inMemory.load.requestsPerSecond.toFixed(0)} in memory${cpu(inMemory)}. Azurite's cost per operation ` +
        `grows with the partition (LokiJS indexes PartitionKey, then scans the partition for the RowKey), which ` +
        `held ${durable.ordersInTable} orders at the end of the durable run. In a steady state the stack cannot ` +
        `take orders faster than its store does their table work (there the SDK also shares the stack's event ` +
        `loop; a short run can accept orders ahead of processing them): it reached ${((orders.requestsPerSecond / ceiling) * 100).toFixed(0)}% of this ceiling, ` +
        `against a target of ${(MIN_SHARE_OF_CEILING * 100).toFixed(0)}%.`,
      cpuNote(ordersRun.cpu, orders),
      ...[
        ...runs.orders.map((r) => r.load),
        ...runs.products,
        ...[...tables.durable, ...tables.inMemory].map((r) => r.load),
      ]
        .filter((r) => r.errors > 0)
        .map((r) => `${r.errors} failed requests (or table iterations) in a round, first: ${r.firstError}`),
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
        caption:
          'Figure 2: orders/s through the whole stack vs a read through the same stack, and the orders/s the ' +
          'table store alone allows (Azurite + Table SDK, durable and in memory)',
        svg: barChart({
          title: 'Order intake through the local stack',
          unit: 'requests (orders)/s',
          bars: [
            { label: 'GET /api/products', value: products.requestsPerSecond, baseline: true },
            { label: 'POST /api/orders', value: orders.requestsPerSecond },
            { label: 'tables, durable', value: ceiling },
            { label: 'tables, in memory', value: inMemory.load.requestsPerSecond },
          ],
        }),
      },
    ],
    raw: {
      runs: { ...runs, orders: runs.orders.map((r) => ({ ...r, cpu: Object.fromEntries(r.cpu) })) },
      tables,
      profile,
    },
  };
}

/** Where an order's CPU went, process by process, and the rate two cores could give at that cost. */
function cpuNote(perOrder: Map<string, number>, orders: LoadResult): string {
  const total = [...perOrder.values()].reduce((sum, ms) => sum + ms, 0);
  const cores = availableParallelism();
  return (
    `CPU per accepted order, its processing included (median round): ` +
    `${[...perOrder].map(([role, ms]) => `${role} ${ms.toFixed(2)} ms`).join(', ')}; ${total.toFixed(2)} ms in all, ` +
    `so ${cores} cores allow at most ${((cores * 1000) / total).toFixed(0)} orders/s at this cost ` +
    `(reached: ${orders.requestsPerSecond.toFixed(0)}).`
  );
}
