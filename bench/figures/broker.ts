import type { BrokerApi, BrokerRunResult } from '../children/broker.js';
import { profileArgs } from '../lib/profiles.js';
import type { BenchSettings, FigureResult } from '../lib/results.js';
import { BenchChild } from '../lib/rpc.js';
import { median } from '../lib/stats.js';
import { barChart } from '../lib/svg.js';

const SEND_CONCURRENCY = 256;
const MAX_CONCURRENT_CALLS = 256;
/** Issue 17: durable within 0.8× of the same broker in memory, measured in the same run. */
const MIN_RATIO = 0.8;

async function measure(inMemory: boolean, settings: BenchSettings): Promise<BrokerRunResult> {
  const child = await BenchChild.start<BrokerApi>(new URL('../children/broker.js', import.meta.url), {
    execArgv: profileArgs(settings, `broker-${inMemory ? 'in-memory' : 'durable'}`),
  });
  try {
    return await child.call('run', {
      inMemory,
      messages: settings.brokerMessages,
      sendConcurrency: SEND_CONCURRENCY,
      maxConcurrentCalls: MAX_CONCURRENT_CALLS,
    });
  } finally {
    await child.stop();
  }
}

/** Figure 6: messages/s through send → receive → complete, durable (SQLite, group commit) and in memory. */
export async function broker(settings: BenchSettings): Promise<FigureResult> {
  const runs: Record<'durable' | 'inMemory', BrokerRunResult[]> = { durable: [], inMemory: [] };
  for (let round = 0; round < settings.rounds; round++) {
    runs.inMemory.push(await measure(true, settings));
    runs.durable.push(await measure(false, settings));
  }
  const durable = median(runs.durable.map((r) => r.messagesPerSecond));
  const inMemory = median(runs.inMemory.map((r) => r.messagesPerSecond));
  return {
    id: 6,
    title: 'Broker',
    measures: [
      {
        name: 'durable send+receive+complete',
        value: durable,
        unit: 'msg/s',
        baseline: { name: '--in-memory', value: inMemory },
        better: 'higher',
      },
    ],
    targets: [
      {
        target: `durable broker ≥ ${MIN_RATIO}× the same broker in memory`,
        met: durable >= MIN_RATIO * inMemory,
        detail:
          `${(durable / inMemory).toFixed(2)}×: ${durable.toFixed(0)} msg/s durable, ${inMemory.toFixed(0)} in memory; ` +
          `rounds ${runs.durable.map((r, i) => (r.messagesPerSecond / runs.inMemory[i]!.messagesPerSecond).toFixed(2) + '×').join(', ')}`,
      },
    ],
    notes: [
      `${settings.brokerMessages.toLocaleString('en')} messages per run through topic \`orders\` → subscription ` +
        `\`order-processor\` (servicebus.config.json), ${SEND_CONCURRENCY} single-message sends in flight, ` +
        `processor maxConcurrentCalls ${MAX_CONCURRENT_CALLS}; a message counts once its completion is durable. ` +
        `Median of ${settings.rounds} round(s).`,
    ],
    charts: [
      {
        file: 'fig6-broker.svg',
        caption: 'Figure 6: broker messages/s, durable vs in memory',
        svg: barChart({
          title: 'Service Bus stand-in: send + receive + complete',
          unit: 'messages/s',
          bars: [
            { label: 'in memory', value: inMemory, baseline: true },
            { label: 'durable (SQLite)', value: durable },
          ],
        }),
      },
    ],
    raw: runs,
  };
}
