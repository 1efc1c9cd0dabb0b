import type { AmqpBrokerApi } from '../children/amqpBroker.js';
import type { AmqpLoadApi, RheaTarget } from '../children/amqpLoad.js';
import { BENCH_QUEUE, KEY_NAME } from '../lib/amqpNames.js';
import { profileArgs } from '../lib/profiles.js';
import type { BenchSettings, FigureResult, Measure, TargetCheck } from '../lib/results.js';
import { BenchChild } from '../lib/rpc.js';
import { median } from '../lib/stats.js';
import { barChart } from '../lib/svg.js';

/** Sends in flight (SDK sendMessages calls, or rhea's unsettled window) and receive credit / maxConcurrentCalls. */
const CONCURRENCY = 64;
const RABBITMQ: RheaTarget = { port: 5672, address: '/queue/bench', username: 'guest', password: 'guest' };
const HOW_TO_INSTALL_RABBITMQ =
  'RabbitMQ was not measured: nothing speaks AMQP 1.0 as guest on 127.0.0.1:5672. To include it: ' +
  '`apt-get install rabbitmq-server && rabbitmq-plugins enable rabbitmq_amqp1_0` (the bench installs nothing).';

type Kind = 'sdk' | 'inProcess' | 'rhea' | 'rabbitmq';
type Round = Record<`${Kind}Send` | `${Kind}Receive` | 'rheaConfirmedReceive', number | undefined>;

const rate = (messages: number, { elapsedMs }: { elapsedMs: number }) => (messages / elapsedMs) * 1000;

async function measureRound(
  broker: BenchChild<AmqpBrokerApi>,
  load: BenchChild<AmqpLoadApi>,
  messages: number,
  rabbitmq: boolean,
): Promise<Round> {
  const { port, key, connectionString } = await broker.call('start', undefined);
  const sdk = { connectionString, queue: BENCH_QUEUE, messages, concurrency: CONCURRENCY };
  const local: RheaTarget = { port, address: BENCH_QUEUE, username: KEY_NAME, password: key };
  const rhea = { ...local, messages, window: CONCURRENCY };
  const round = {} as Round;
  round.sdkSend = rate(messages, await load.call('sdkSend', sdk));
  round.sdkReceive = rate(messages, await load.call('sdkReceive', sdk));
  round.inProcessSend = rate(messages, await broker.call('inProcessSend', { messages, concurrency: CONCURRENCY }));
  round.inProcessReceive = rate(
    messages,
    await broker.call('inProcessReceive', { messages, maxConcurrentCalls: CONCURRENCY }),
  );
  round.rheaSend = rate(messages, await load.call('rheaSend', rhea));
  round.rheaReceive = rate(messages, await load.call('rheaReceive', { ...rhea, settleSecond: false }));
  await load.call('rheaSend', rhea);
  round.rheaConfirmedReceive = rate(messages, await load.call('rheaReceive', { ...rhea, settleSecond: true }));
  if (rabbitmq) {
    const target = { ...RABBITMQ, messages, window: CONCURRENCY };
    round.rabbitmqSend = rate(messages, await load.call('rheaSend', target));
    round.rabbitmqReceive = rate(messages, await load.call('rheaReceive', { ...target, settleSecond: false }));
  }
  if ((await broker.call('queued', undefined)) !== 0) throw new Error('the bench queue did not drain');
  return round;
}

function medianOf(rounds: Round[], key: keyof Round): number | undefined {
  const values = rounds.map((r) => r[key]).filter((v): v is number => v !== undefined);
  return values.length > 0 ? median(values) : undefined;
}

function targetsOf(m: (key: keyof Round) => number | undefined): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const way of ['Send', 'Receive'] as const) {
    const ours = m(`rhea${way}`)!;
    const theirs = m(`rabbitmq${way}`);
    const what = way === 'Send' ? 'send' : 'receive+accept';
    checks.push({
      target: `AMQP ${what} ≥ RabbitMQ's AMQP 1.0 (durable queue, same rhea client)`,
      met: theirs !== undefined && ours >= theirs,
      detail:
        theirs === undefined
          ? `not measured (RabbitMQ absent); local broker ${ours.toFixed(0)} msg/s`
          : `${ours.toFixed(0)} msg/s vs RabbitMQ ${theirs.toFixed(0)} msg/s (${(ours / theirs).toFixed(2)}×)`,
    });
  }
  return checks;
}

/**
 * Figure 8: Service Bus over AMQP, durable — the real @azure/service-bus SDK sending and receiving+completing
 * through the endpoint, next to the same broker driven in-process, and a bare rhea client against the endpoint
 * and against RabbitMQ's AMQP 1.0 plugin (when it runs here).
 */
export async function amqp(settings: BenchSettings): Promise<FigureResult> {
  const broker = await BenchChild.start<AmqpBrokerApi>(new URL('../children/amqpBroker.js', import.meta.url), {
    execArgv: profileArgs(settings, 'amqp-broker'),
  });
  const load = await BenchChild.start<AmqpLoadApi>(new URL('../children/amqpLoad.js', import.meta.url), {
    quiet: true,
  });
  const rounds: Round[] = [];
  let rabbitmq: { ok: boolean; error?: string };
  try {
    rabbitmq = await load.call('probe', RABBITMQ);
    for (let i = 0; i < settings.rounds; i++)
      rounds.push(await measureRound(broker, load, settings.amqpMessages, rabbitmq.ok));
  } finally {
    await Promise.all([broker.stop(), load.stop()]);
  }
  const m = (key: keyof Round) => medianOf(rounds, key);
  return report(settings, m, rabbitmq.ok, rounds);
}

function report(
  settings: BenchSettings,
  m: (key: keyof Round) => number | undefined,
  rabbitmq: boolean,
  rounds: Round[],
): FigureResult {
  const measure = (name: string, key: keyof Round, baseline: keyof Round, baselineName: string): Measure => ({
    name,
    value: m(key)!,
    unit: 'msg/s',
    baseline: { name: baselineName, value: m(baseline)! },
    better: 'higher',
  });
  const measures = [
    measure('SDK send through AMQP', 'sdkSend', 'inProcessSend', 'in-process send'),
    measure('SDK receive+complete through AMQP', 'sdkReceive', 'inProcessReceive', 'in-process receive+complete'),
  ];
  if (rabbitmq) {
    measures.push(
      measure('rhea send to the local broker', 'rheaSend', 'rabbitmqSend', 'rhea send to RabbitMQ'),
      measure('rhea receive+accept, local broker', 'rheaReceive', 'rabbitmqReceive', 'rhea receive+accept, RabbitMQ'),
    );
  }
  measures.push({
    name: 'rhea receive+complete confirmed (settled second)',
    value: m('rheaConfirmedReceive')!,
    unit: 'msg/s',
    better: 'higher',
  });
  const bars = (way: 'Send' | 'Receive') =>
    (['inProcess', 'sdk', 'rhea', 'rabbitmq'] as const)
      .filter((kind) => m(`${kind}${way}`) !== undefined)
      .map((kind) => ({
        label: { inProcess: 'in-process', sdk: 'SDK → local', rhea: 'rhea → local', rabbitmq: 'rhea → RabbitMQ' }[kind],
        value: m(`${kind}${way}`)!,
        baseline: kind === 'inProcess',
      }));
  return {
    id: 8,
    title: 'Service Bus over AMQP',
    measures,
    targets: targetsOf(m),
    notes: notes(settings, rabbitmq),
    charts: (['Send', 'Receive'] as const).map((way) => ({
      file: `fig8-amqp-${way.toLowerCase()}.svg`,
      caption: `Figure 8: ${way === 'Send' ? 'sends' : 'receive + complete'} per second through AMQP, durable`,
      svg: barChart({
        title: `Service Bus AMQP: ${way === 'Send' ? 'send' : 'receive + complete'}`,
        unit: 'messages/s',
        bars: bars(way),
      }),
    })),
    raw: rounds,
  };
}

function notes(settings: BenchSettings, rabbitmq: boolean): string[] {
  return [
    `${settings.amqpMessages.toLocaleString('en')} messages of ~100 bytes per run into a durable queue and out again, ` +
      `${CONCURRENCY} at a time: the SDK with ${CONCURRENCY} single-message sendMessages calls in flight on one client, ` +
      `then subscribe() with maxConcurrentCalls ${CONCURRENCY} awaiting each completeMessage; in-process, the same ` +
      `broker's send() and a processor; rhea with ${CONCURRENCY} unsettled durable transfers, then ${CONCURRENCY} ` +
      'credit. The broker (with its endpoint) and the clients run in separate processes. Median of ' +
      `${settings.rounds} round(s).`,
    'A send counts when the broker accepted it (on the local broker: after its fsync). A receive+accept counts when ' +
      'the client accepted the message, settling it at once (settled first, as RabbitMQ consumers acknowledge; the ' +
      'broker then removes it on its own); receive+complete confirmed counts when the local broker confirmed the ' +
      'completion after its fsync (peek-lock settled second, what the SDK does).',
    rabbitmq
      ? 'RabbitMQ: Debian rabbitmq-server with rabbitmq_amqp1_0, address /queue/bench (a durable queue), durable messages.'
      : HOW_TO_INSTALL_RABBITMQ,
  ];
}
