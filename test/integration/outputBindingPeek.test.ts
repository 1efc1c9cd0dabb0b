import { ServiceBusClient } from '@azure/service-bus';
import { afterAll, describe, expect, it } from 'vitest';
import { OrdersClient, useLocalStack } from '../support/stack.js';

// With processOrder switched off (AzureWebJobs.<name>.Disabled, as in Azure), what createOrder's output binding
// put on the topic stays there for an @azure/service-bus client to see.
const { stack } = useLocalStack({ env: { ...process.env, 'AzureWebJobs.processOrder.Disabled': 'true' } });
let client: ServiceBusClient | undefined;
afterAll(() => client?.close());

describe('the output binding’s messages through the SDK', () => {
  it('peeks the order message createOrder sent, then receives and completes it', async () => {
    const s = stack();
    const alice = await OrdersClient.signIn(s.urls.functions, 'alice');
    const orderId = await alice.place([{ sku: 'MUG-CERAMIC', quantity: 2 }]);
    client = new ServiceBusClient(s.host.settings.ServiceBusConnection!, { retryOptions: { maxRetries: 0 } });
    const receiver = client.createReceiver('orders', 'order-processor');
    const [peeked] = await receiver.peekMessages(1);
    expect(peeked).toMatchObject({
      body: { orderId, userId: 'alice', items: [{ sku: 'MUG-CERAMIC', quantity: 2 }] },
      deliveryCount: 0,
      state: 'active',
    });
    const [received] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 5000 });
    expect(received!.body).toMatchObject({ orderId });
    await receiver.completeMessage(received!);
    expect(await receiver.peekMessages(1)).toEqual([]);
    expect(s.broker.stats().find((e) => e.path === 'orders/Subscriptions/order-processor')).toMatchObject({
      active: 0,
      locked: 0,
    });
  });
});
