import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  malformedOrderMessage,
  OrdersClient,
  pollUntil,
  storeAcceptedOrder,
  useLocalStack,
  type ServiceBusView,
} from '../support/stack.js';

const { stack, logger } = useLocalStack();

describe('orders through the whole local stack', () => {
  it('answers /_local/health with every part ready', async () => {
    const response = await fetch(`${stack().urls.functions}/_local/health`);
    expect(response.status).toBe(200);
    const health = (await response.json()) as { status: string; parts: { name: string; ready: boolean }[] };
    expect(health.status).toBe('healthy');
    expect(health.parts.map((p) => p.name).sort()).toEqual(['functions', 'servicebus', 'signalr', 'storage']);
  });

  it('takes a signed-in order to Completed with its total', async () => {
    const alice = await OrdersClient.signIn(stack().urls.functions, 'alice');
    const orderId = await alice.place([
      { sku: 'MUG-CERAMIC', quantity: 2 },
      { sku: 'COFFEE-BEANS-1KG', quantity: 1 },
    ]);
    const order = await alice.waitUntilFinal(orderId);
    expect(order).toMatchObject({ orderId, status: 'Completed', version: 2, total: 43.9 });
  });

  it('rejects an out-of-stock SKU with a reason', async () => {
    const alice = await OrdersClient.signIn(stack().urls.functions, 'alice');
    const orderId = await alice.place([{ sku: 'KETTLE-GOOSENECK', quantity: 1 }]);
    const order = await alice.waitUntilFinal(orderId);
    expect(order.status).toBe('Rejected');
    expect(order.version).toBe(2);
    expect(order.reason).toMatch(/KETTLE-GOOSENECK/);
    expect(order.total).toBeUndefined();
  });

  it('retries a poison message 5 times, dead-letters it, and the dead-letter handler marks its order Failed', async () => {
    const s = stack();
    const userId = 'poison-user';
    const orderId = randomUUID();
    await storeAcceptedOrder(s.host.settings, userId, orderId);
    const messageId = `poison-${orderId}`;
    await s.broker.send('orders', [{ messageId, body: malformedOrderMessage(orderId, userId) }]);

    const client = await OrdersClient.signIn(s.urls.functions, userId);
    const order = await client.waitUntilFinal(orderId);
    expect(order.status).toBe('Failed');
    expect(order.version).toBe(2);
    expect(order.reason).toMatch(/MaxDeliveryCountExceeded/);

    // The Service Bus extension logs each delivery's count: five tries on the subscription, then one on its DLQ.
    const deliveries = (fn: string) =>
      logger.entries
        .filter((e) => e.category === `Function.${fn}` && e.message.includes(`MessageId: ${messageId},`))
        .map((e) => Number(/DeliveryCount: (\d+)/.exec(e.message)?.[1]));
    expect(deliveries('processOrder')).toEqual([1, 2, 3, 4, 5]);
    expect(deliveries('orderDeadLetters')).toHaveLength(1);

    // The handled dead letter is completed once the handler returns: the subscription and its DLQ drain.
    await pollUntil(
      async () => {
        const response = await fetch(`${s.urls.functions}/_local/servicebus`);
        const { entities } = (await response.json()) as ServiceBusView;
        return entities.every((e) => e.active + e.locked + e.deadLetter === 0) || undefined;
      },
      { timeoutMs: 10_000, what: 'the subscription and its dead-letter queue to drain' },
    );
  });

  it("hides one user's orders from another", async () => {
    const base = stack().urls.functions;
    const [carol, dave] = await Promise.all([OrdersClient.signIn(base, 'carol'), OrdersClient.signIn(base, 'dave')]);
    const orderId = await carol.place([{ sku: 'TEA-SENCHA-250G', quantity: 1 }]);
    await carol.waitUntilFinal(orderId);

    const response = await dave.request('GET', `/api/orders/${orderId}`);
    expect(response.status).toBe(404);
    expect((await dave.list()).map((o) => o.orderId)).not.toContain(orderId);
    expect((await carol.list()).map((o) => o.orderId)).toContain(orderId);
  });

  describe('spoofed Easy Auth headers', () => {
    const forged = {
      'x-ms-client-principal-id': 'erin',
      'x-ms-client-principal-name': 'erin',
      'x-ms-client-principal-idp': 'aad',
      'x-ms-client-principal': Buffer.from(
        JSON.stringify({
          auth_typ: 'aad',
          claims: [{ typ: 'name', val: 'erin' }],
          name_typ: 'name',
          role_typ: 'roles',
        }),
      ).toString('base64'),
    };

    it('are refused on their own with 401', async () => {
      const response = await fetch(`${stack().urls.functions}/api/orders`, { headers: forged });
      expect(response.status).toBe(401);
    });

    it('are replaced by the signed-in user', async () => {
      const base = stack().urls.functions;
      const [erin, frank] = await Promise.all([OrdersClient.signIn(base, 'erin'), OrdersClient.signIn(base, 'frank')]);
      const erinsOrder = await erin.place([{ sku: 'FILTER-PAPER-100', quantity: 3 }]);

      // Frank claims to be Erin: he still lists (and creates) only as Frank.
      const listed = await frank.request('GET', '/api/orders', undefined, forged);
      expect(listed.status).toBe(200);
      const { orders } = (await listed.json()) as { orders: { orderId: string }[] };
      expect(orders.map((o) => o.orderId)).not.toContain(erinsOrder);
      expect((await frank.request('GET', `/api/orders/${erinsOrder}`, undefined, forged)).status).toBe(404);

      const created = await frank.request(
        'POST',
        '/api/orders',
        { items: [{ sku: 'MUG-CERAMIC', quantity: 1 }] },
        forged,
      );
      expect(created.status).toBe(202);
      const { orderId: franksOrder } = (await created.json()) as { orderId: string };
      expect(await frank.get(franksOrder)).toMatchObject({ orderId: franksOrder });
      expect(await erin.get(franksOrder)).toBeUndefined();
    });
  });
});
