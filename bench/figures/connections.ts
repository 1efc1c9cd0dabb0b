import type { WsServerKind } from '../children/wsServer.js';
import { openFileLimit } from '../lib/limits.js';
import type { MemorySample } from '../lib/memory.js';
import type { BenchSettings, FigureResult } from '../lib/results.js';
import { lineChart } from '../lib/svg.js';
import { withWsPair } from './wsPair.js';

const MB = 1024 * 1024;
// Each side holds one descriptor per connection, plus what Node itself keeps open.
const SPARE_DESCRIPTORS = 200;
/** Issue 17: SignalR's memory per connection within 1.25× a bare `ws` socket's. */
const MAX_MEMORY_RATIO = 1.25;

type Step = { connections: number; openMs: number; memory: MemorySample };
type Run = { before: MemorySample; steps: Step[] };

async function measure(kind: WsServerKind, steps: number[], settings: BenchSettings): Promise<Run> {
  return withWsPair(kind, settings, `connections-${kind}`, async ({ server, clients, target }) => {
    const before = await server.call('memory', undefined);
    const measured: Step[] = [];
    for (const total of steps) {
      const { elapsedMs } = await clients.call('openUpTo', { ...target, total });
      const held = await server.call('connections', undefined);
      if (held !== total) throw new Error(`${kind}: ${total} clients connected but the server holds ${held}`);
      measured.push({ connections: total, openMs: elapsedMs, memory: await server.call('memory', undefined) });
    }
    return { before, steps: measured };
  });
}

const perConnection = (run: Run, step: Step): number => (step.memory.rss - run.before.rss) / step.connections;

/** Figure 4: idle SignalR WebSocket connections held, and server memory per connection, against bare `ws`. */
export async function connections(settings: BenchSettings): Promise<FigureResult> {
  const limit = openFileLimit();
  const wanted = settings.connectionSteps;
  const steps = wanted.filter((n) => limit === undefined || n + SPARE_DESCRIPTORS <= limit);
  if (steps.length === 0) {
    throw new Error(`Figure 4 needs ${wanted[0]! + SPARE_DESCRIPTORS} open files; the limit is ${limit} (ulimit -n).`);
  }
  const bare = await measure('bare', steps, settings);
  const signalr = await measure('signalr', steps, settings);
  const last = steps.length - 1;
  const held = steps[last]!;
  const signalrPer = perConnection(signalr, signalr.steps[last]!);
  const barePer = perConnection(bare, bare.steps[last]!);
  const memoryRatio = signalrPer / barePer;
  const notes = [
    `Connections opened ${steps.join(' → ')} (negotiate + WebSocket + JSON handshake for SignalR, a plain ` +
      'WebSocket sending the same first frame for bare) from a separate client process whose sockets all ping ' +
      'every 10 s, so both servers receive the same traffic; the server runs alone in its ' +
      'process and reports RSS after two full GCs (--expose-gc). Memory per connection = RSS growth ÷ connections.',
    `Open-file limit of this process: ${limit ?? 'unknown'}; the npm scripts raise the soft limit to the hard one.`,
    `Opening ${held} connections took ${(signalr.steps[last]!.openMs / 1000).toFixed(1)} s for SignalR ` +
      `(${(bare.steps[last]!.openMs / 1000).toFixed(1)} s bare, cumulative over the last step).`,
  ];
  if (steps.length < wanted.length)
    notes.push(`Skipped ${wanted.length - steps.length} step(s) for the open-file limit.`);
  const series = (name: string, run: Run, baseline = false) => ({
    name,
    baseline,
    points: [[0, 0], ...run.steps.map((s) => [s.connections, (s.memory.rss - run.before.rss) / MB])] as [
      number,
      number,
    ][],
  });
  return {
    id: 4,
    title: 'Connections',
    measures: [
      { name: 'idle WebSocket connections held', value: held, unit: 'connections' },
      {
        name: 'server memory per connection',
        value: signalrPer / 1024,
        unit: 'KiB',
        baseline: { name: 'bare ws', value: barePer / 1024 },
        better: 'lower',
      },
    ],
    targets: [
      {
        target: `10,000 concurrent WebSocket connections, within ${MAX_MEMORY_RATIO}× bare ws memory per connection`,
        met: held >= 10_000 && memoryRatio <= MAX_MEMORY_RATIO,
        detail:
          `${held} held; ${(signalrPer / 1024).toFixed(1)} KiB vs ${(barePer / 1024).toFixed(1)} KiB per ` +
          `connection (${memoryRatio.toFixed(2)}×)`,
      },
    ],
    notes,
    charts: [
      {
        file: 'fig4-connections-memory.svg',
        caption: 'Figure 4: server RSS growth against idle connections held',
        svg: lineChart({
          title: 'Server memory vs idle WebSocket connections',
          xLabel: 'connections',
          yLabel: 'RSS growth (MiB)',
          series: [series('SignalR service', signalr), series('bare ws', bare, true)],
        }),
      },
    ],
    raw: { bare, signalr },
  };
}
