import type { WsServerKind } from '../children/wsServer.js';
import type { BenchSettings, FigureResult } from '../lib/results.js';
import { median } from '../lib/stats.js';
import { barChart } from '../lib/svg.js';
import { withWsPair } from './wsPair.js';

const IN_FLIGHT = 8;
const TIMEOUT_MS = 60_000;
const WARMUP_SENDS = 20;
/** Issue 17: the service delivers at least what a bare `ws` server writing the same frame does. */
const MIN_RATIO = 1.0;

type Mode = 'broadcast' | 'group';
type Delivery = { delivered: number; complete: boolean; elapsedMs: number; perSecond: number };

async function measure(kind: WsServerKind, settings: BenchSettings): Promise<Partial<Record<Mode, Delivery>>> {
  return withWsPair(kind, settings, `fanout-${kind}`, async ({ clients, target }) => {
    await clients.call('openUpTo', { ...target, total: settings.fanoutConnections });
    await clients.call('joinGroup', undefined);
    const run = (mode: Mode, sends: number) =>
      clients.call('fanOut', { mode, sends, inFlight: IN_FLIGHT, timeoutMs: TIMEOUT_MS });
    await run('broadcast', WARMUP_SENDS);
    // The bare server has no groups: a group of everyone is the same frames to the same sockets.
    const modes: Mode[] = kind === 'signalr' ? ['broadcast', 'group'] : ['broadcast'];
    const results: Partial<Record<Mode, Delivery>> = {};
    for (const mode of modes) results[mode] = await run(mode, settings.fanoutSends);
    return results;
  });
}

/** Figure 5: messages delivered per second to 1,000 connections by broadcast and group send, against bare `ws`. */
export async function fanout(settings: BenchSettings): Promise<FigureResult> {
  const rounds: { bare: Delivery; broadcast: Delivery; group: Delivery }[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    const bare = await measure('bare', settings);
    const signalr = await measure('signalr', settings);
    rounds.push({ bare: bare.broadcast!, broadcast: signalr.broadcast!, group: signalr.group! });
  }
  const rate = (pick: (r: (typeof rounds)[number]) => Delivery): number => median(rounds.map((r) => pick(r).perSecond));
  const bare = rate((r) => r.bare);
  const broadcast = rate((r) => r.broadcast);
  const group = rate((r) => r.group);
  const incomplete = rounds.flatMap((r) => [r.bare, r.broadcast, r.group]).filter((d) => !d.complete).length;
  const worst = Math.min(broadcast, group) / bare;
  const baseline = { name: 'bare ws', value: bare };
  return {
    id: 5,
    title: 'Fan-out',
    measures: [
      { name: 'broadcast deliveries/s', value: broadcast, unit: 'msg/s', baseline, better: 'higher' },
      { name: 'group send deliveries/s', value: group, unit: 'msg/s', baseline, better: 'higher' },
    ],
    targets: [
      {
        target: `fan-out ≥ ${MIN_RATIO.toFixed(1)}× bare ws (broadcast and group)`,
        met: worst >= MIN_RATIO && incomplete === 0,
        detail:
          `broadcast ${(broadcast / bare).toFixed(2)}×, group ${(group / bare).toFixed(2)}× ` +
          `(${broadcast.toFixed(0)} / ${group.toFixed(0)} vs ${bare.toFixed(0)} msg/s)`,
      },
    ],
    notes: [
      `${settings.fanoutSends} sends of an orderStatus invocation to ${settings.fanoutConnections} raw WebSocket ` +
        `clients, ${IN_FLIGHT} requests in flight: SignalR through its REST API (send to all; send to a group ` +
        'holding every user), the baseline an HTTP POST that makes a bare ws server write the same frame to ' +
        'every socket. Counted when the client process has received every copy. ' +
        `Median of ${settings.rounds} round(s).`,
      ...(incomplete > 0 ? [`${incomplete} run(s) timed out before every copy arrived.`] : []),
    ],
    charts: [
      {
        file: 'fig5-fanout.svg',
        caption: 'Figure 5: deliveries/s to 1,000 connections',
        svg: barChart({
          title: `Fan-out to ${settings.fanoutConnections} connections`,
          unit: 'messages delivered/s',
          bars: [
            { label: 'bare ws', value: bare, baseline: true },
            { label: 'SignalR broadcast', value: broadcast },
            { label: 'SignalR group', value: group },
          ],
        }),
      },
    ],
    raw: rounds,
  };
}
