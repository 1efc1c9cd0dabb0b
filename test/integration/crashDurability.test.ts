import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLI, StackProcess } from '../support/cliStack.js';
import { OrdersClient, type OrderView } from '../support/stack.js';
import { untilAllSettled } from '../support/settledOrders.js';

const USERS = ['crash-ann', 'crash-ben', 'crash-cai', 'crash-dee'];
const WORKERS_PER_USER = 2;
const KILLS = 3;
/** 202s per life before the SIGKILL; the last life (no kill) takes as many, so 4 × 60 = 240 orders in all. */
const ACCEPTED_PER_LIFE = 60;

const running = new Set<StackProcess>();
let dataDir: string | undefined;
afterAll(async () => {
  await Promise.all([...running].map((p) => (p.alive ? p.kill() : undefined)));
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

type Accepted = { userId: string; orderId: string };

/**
 * Places orders from every user's workers, concurrently, until `target` of them got a 202 in this life; then, if
 * `killAtTarget`, SIGKILLs the stack at that very moment, with other requests still in flight. Requests cut off
 * by the kill are not counted (no 202); any other failure fails the test.
 */
async function orderStream(
  stackProcess: StackProcess,
  clients: OrdersClient[],
  target: number,
  killAtTarget: boolean,
  accepted: Accepted[],
): Promise<void> {
  let count = 0;
  let done = false;
  const worker = async (client: OrdersClient, userId: string) => {
    while (!done) {
      let orderId: string;
      try {
        orderId = await client.place([{ sku: 'MUG-CERAMIC', quantity: 1 }]);
      } catch (error) {
        if (done) return;
        done = true;
        throw new Error(`An order failed while the stack was up: ${(error as Error).message}`, { cause: error });
      }
      accepted.push({ userId, orderId });
      if (++count === target) {
        done = true;
        if (killAtTarget) await stackProcess.kill();
      }
    }
  };
  await Promise.all(
    clients.flatMap((client, i) => Array.from({ length: WORKERS_PER_USER }, () => worker(client, USERS[i]!))),
  );
}

describe('the CLI stack under SIGKILL', () => {
  // Needs both durable parts: the broker commits before acknowledging, and Azurite saves before answering a
  // write (local/storage/azurite.ts); without the latter a kill -9 loses the last seconds of orders.
  it('brings every order that got a 202 to Completed exactly once across repeated kill -9 and restarts', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'crash-durability-'));
    expect(existsSync(CLI), `${CLI} is missing: run npm run build first`).toBe(true);
    const accepted: Accepted[] = [];

    let { process: stackProcess, functionsUrl } = await StackProcess.start(dataDir, running);
    // Sessions are signed with a secret kept in the data dir, so the same tokens work after every restart.
    const clients = await Promise.all(USERS.map((userId) => OrdersClient.signIn(functionsUrl, userId)));

    for (let life = 0; life < KILLS; life++) {
      const bound = clients.map((c) => new OrdersClient(functionsUrl, c.token));
      await orderStream(stackProcess, bound, ACCEPTED_PER_LIFE, true, accepted);
      expect(stackProcess.alive).toBe(false);
      // Azurite's child process follows its parent: once its IPC channel closes it exits, so nothing outlives
      // the kill (and the restart can take the same data dir).
      await stackProcess.childrenGone();
      ({ process: stackProcess, functionsUrl } = await StackProcess.start(dataDir, running));
    }
    const finalClients = clients.map((c) => new OrdersClient(functionsUrl, c.token));
    await orderStream(stackProcess, finalClients, ACCEPTED_PER_LIFE, false, accepted);
    // Responses already on their way when the kill landed count too: at least this many got a 202.
    expect(accepted.length).toBeGreaterThanOrEqual((KILLS + 1) * ACCEPTED_PER_LIFE);
    expect(new Set(accepted.map((a) => a.orderId)).size).toBe(accepted.length);

    // Polled until none is missing or still Accepted; a status change applied twice would show as version 3.
    const finalOrders = await untilAllSettled(
      finalClients,
      accepted.map((a) => a.orderId),
      20_000,
    );
    const wrong: (Accepted & { order?: OrderView })[] = accepted
      .map((a) => ({ ...a, order: finalOrders.get(a.orderId) }))
      .filter(({ order }) => order?.status !== 'Completed' || order.version !== 2);
    expect(wrong).toEqual([]);
  }, 120_000);
});
