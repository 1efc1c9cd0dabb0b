// Bench child: the durable broker behind its AMQP endpoint (what `npm start` runs), and the same broker driven
// in-process (what the Functions bindings do), on a queue of its own in a fresh data folder.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startAmqpServer, type AmqpServer } from '../../local/servicebus/amqp/index.js';
import { parseTopology, ServiceBusBroker } from '../../local/servicebus/index.js';
import { BENCH_QUEUE, KEY_NAME } from '../lib/amqpNames.js';
import { serveRpc } from '../lib/rpc.js';
import { nowMs } from '../lib/stats.js';

const topology = parseTopology({
  UserConfig: {
    Namespaces: [
      { Name: 'bench', Queues: [{ Name: BENCH_QUEUE, Properties: { DefaultMessageTimeToLive: 'P1D' } }], Topics: [] },
    ],
  },
});

let state: { broker: ServiceBusBroker; server: AmqpServer; dataDir: string } | undefined;

async function stopBroker(): Promise<void> {
  if (!state) return;
  await state.server.close();
  await state.broker.close();
  rmSync(state.dataDir, { recursive: true, force: true });
  state = undefined;
}

/** A fresh durable broker (empty queue) on a free port; returns how to reach it. */
async function start(): Promise<{ port: number; key: string; connectionString: string }> {
  await stopBroker();
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-amqp-'));
  const broker = await ServiceBusBroker.open({ topology, dataDir });
  const key = randomBytes(32).toString('base64');
  const server = await startAmqpServer({ broker, keys: new Map([[KEY_NAME, key]]), port: 0 });
  state = { broker, server, dataDir };
  const connectionString = `Endpoint=sb://localhost:${server.port};SharedAccessKeyName=${KEY_NAME};SharedAccessKey=${key};UseDevelopmentEmulator=true;`;
  return { port: server.port, key, connectionString };
}

function broker(): ServiceBusBroker {
  if (!state) throw new Error('start first');
  return state.broker;
}

const BENCH_BODY = {
  orderId: '3f1c2a9e-0000-4000-8000-000000000000',
  userId: 'u1',
  items: [{ sku: 'MUG', quantity: 1 }],
};

/** In-process baseline: `concurrency` single-message sends in flight, each resolving once durable. */
async function inProcessSend(options: { messages: number; concurrency: number }): Promise<{ elapsedMs: number }> {
  let next = 0;
  const started = nowMs();
  const loop = async () => {
    while (next++ < options.messages)
      await broker().send(BENCH_QUEUE, [{ body: BENCH_BODY, contentType: 'application/json' }]);
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  return { elapsedMs: nowMs() - started };
}

/** In-process baseline: a processor with `maxConcurrentCalls` completing every queued message durably. */
async function inProcessReceive(options: {
  messages: number;
  maxConcurrentCalls: number;
}): Promise<{ elapsedMs: number }> {
  const started = nowMs();
  let completed = 0;
  await new Promise<void>((resolve, reject) => {
    const processor = broker().createProcessor(
      BENCH_QUEUE,
      async (message) => {
        await broker().complete(BENCH_QUEUE, message.lockToken).catch(reject);
        if (++completed === options.messages) void processor.close().then(resolve);
      },
      { maxConcurrentCalls: options.maxConcurrentCalls, autoCompleteMessages: false, maxAutoLockRenewalDurationMs: 0 },
    );
  });
  return { elapsedMs: nowMs() - started };
}

async function queued(): Promise<number> {
  const row = broker()
    .stats()
    .find((s) => s.path === BENCH_QUEUE)!;
  return row.active + row.locked;
}

export const amqpBrokerApi = { start, inProcessSend, inProcessReceive, queued, stop: stopBroker };
export type AmqpBrokerApi = typeof amqpBrokerApi;

serveRpc(amqpBrokerApi, stopBroker);
