// Bench child: the Service Bus stand-in alone in a process, driven as the app drives it (send, receive, complete).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTopology, ServiceBusBroker } from '../../local/servicebus/index.js';
import { repoRoot } from '../lib/paths.js';
import { serveRpc } from '../lib/rpc.js';
import { nowMs } from '../lib/stats.js';

export type BrokerRunOptions = {
  inMemory: boolean;
  messages: number;
  /** Single-message sends in flight at once, as concurrent function invocations with an output binding make. */
  sendConcurrency: number;
  /** The processor's maxConcurrentCalls. */
  maxConcurrentCalls: number;
};

export type BrokerRunResult = { messages: number; elapsedMs: number; messagesPerSecond: number };

const TOPIC = 'orders';
const SUBSCRIPTION = 'orders/subscriptions/order-processor';

async function run(options: BrokerRunOptions): Promise<BrokerRunResult> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-broker-'));
  const broker = await ServiceBusBroker.open({
    topology: loadTopology(join(repoRoot, 'servicebus.config.json')),
    dataDir,
    inMemory: options.inMemory,
  });
  try {
    let completed = 0;
    const start = nowMs();
    const allCompleted = new Promise<void>((resolve, reject) => {
      broker.createProcessor(
        SUBSCRIPTION,
        async (message) => {
          // Settled by hand so the count includes the durable completion, not just the handler.
          await broker.complete(SUBSCRIPTION, message.lockToken).catch(reject);
          if (++completed === options.messages) resolve();
        },
        {
          maxConcurrentCalls: options.maxConcurrentCalls,
          autoCompleteMessages: false,
          maxAutoLockRenewalDurationMs: 0,
        },
      );
    });
    let sent = 0;
    const sender = async (): Promise<void> => {
      while (sent < options.messages) {
        const n = sent++;
        await broker.send(TOPIC, [
          { body: { orderId: `order-${n}`, userId: `u${n % 100}` }, contentType: 'application/json' },
        ]);
      }
    };
    await Promise.all([...Array.from({ length: options.sendConcurrency }, sender), allCompleted]);
    const elapsedMs = nowMs() - start;
    return { messages: completed, elapsedMs, messagesPerSecond: (completed / elapsedMs) * 1000 };
  } finally {
    await broker.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export const brokerApi = { run };
export type BrokerApi = typeof brokerApi;

serveRpc(brokerApi);
