import { afterAll, expect, it } from 'vitest';
import { ManualClock } from '../../local/shared/clock.js';
import { OrdersClient, useLocalStack, withDeadline } from '../support/stack.js';
import { appHubConnection } from '../support/appHub.js';

// The stack's clock starts at the real time (the app stamps orders with its own clock) and moves only when told.
const clock = new ManualClock(Date.now());
const { stack, logger } = useLocalStack({ clock });

type Update = { orderId: string; status: string; version: number };

/** Moves the clock to `at`, an occurrence of the sweep (every five minutes), and waits for that run to finish. */
async function sweepAt(at: number): Promise<void> {
  const finished = logger.next((e) => e.message.startsWith("Executed 'Functions.sweepStuckOrders'"));
  clock.advance(at - clock.now());
  await withDeadline(finished, 20_000, `the sweep due at ${new Date(at).toISOString()}`);
}

/** Signs in a hub connection as the web client does, recording every orderStatus it hears. */
async function listen(client: OrdersClient): Promise<{ updates: Update[]; stop(): Promise<void> }> {
  const connection = appHubConnection(client);
  const updates: Update[] = [];
  connection.on('orderStatus', (update: Update) => updates.push(update));
  await connection.start();
  return { updates, stop: () => connection.stop() };
}

let stop: (() => Promise<void>) | undefined;
afterAll(async () => stop?.());

it('re-sends an order whose Service Bus send failed after its row was written: it reaches a final status, each version notified once', async () => {
  const s = stack();
  const client = await OrdersClient.signIn(s.urls.functions, 'sweep-alice');

  // The order's row is written, then the Service Bus output fails: the broker refuses the one send.
  const broker = s.broker;
  const send = broker.send.bind(broker);
  let failNext = true;
  broker.send = (async (entity: string, messages: Parameters<typeof send>[1]) => {
    if (failNext && entity === 'orders') {
      failNext = false;
      throw new Error('Service Bus is unreachable (test)');
    }
    return send(entity, messages);
  }) as typeof broker.send;
  const response = await client.request('POST', '/api/orders', { items: [{ sku: 'MUG-CERAMIC', quantity: 1 }] });
  await response.arrayBuffer();
  // Whether a failed output binding fails the request (5xx) or not, the row is there and nothing was sent.
  expect(response.status === 202 || response.status >= 500).toBe(true);
  expect(failNext).toBe(false);
  const [order] = await client.list();
  expect(order).toMatchObject({ status: 'Accepted', version: 1 });
  const orderId = order!.orderId;

  // Sweeps run every five minutes of the stack's clock; an order counts as stuck two minutes after acceptance.
  // The clock jumps while nobody listens (a jump looks like a silent client to the SignalR service), and the
  // user connects just before the run that finds the order.
  const firstRun = Math.floor(clock.now() / 300_000) * 300_000 + 300_000;
  let due = firstRun;
  while (due - 120_000 <= Date.parse(order!.createdAt)) due += 300_000;
  if (due > firstRun) await sweepAt(firstRun);
  expect(logger.messages((e) => e.message.startsWith('Re-sent'))).toEqual([]);
  clock.advance(due - 1000 - clock.now());
  const session = await listen(client);
  stop = session.stop;
  await sweepAt(due);
  const final = await client.waitUntilFinal(orderId);
  expect(final.version).toBe(2);
  const updates = session.updates;
  await withDeadline(
    (async () => {
      while (!updates.some((u) => u.orderId === orderId && u.version === 2)) await new Promise((r) => setImmediate(r));
    })(),
    10_000,
    'the final status notification',
  );

  // A later sweep finds nothing left to send: the order is final.
  const resentBefore = logger.messages((e) => e.message.startsWith('Re-sent')).length;
  expect(resentBefore).toBe(1);
  await sweepAt(due + 300_000);
  expect(logger.messages((e) => e.message.startsWith('Re-sent')).length).toBe(resentBefore);
  expect(updates.filter((u) => u.orderId === orderId).map((u) => u.version)).toEqual([2]);
  expect((await client.get(orderId))!.status).toBe(final.status);
});
