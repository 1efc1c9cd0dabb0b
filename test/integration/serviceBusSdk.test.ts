import { randomUUID } from 'node:crypto';
import { ServiceBusClient } from '@azure/service-bus';
import { afterAll, describe, expect, it } from 'vitest';
import { OrdersClient, storeAcceptedOrder, useLocalStack } from '../support/stack.js';

// The app's flow driven by the real @azure/service-bus SDK, as code outside the app (or another service) would
// drive it: the message goes over AMQP into the broker the Functions host listens on.
const { stack } = useLocalStack();
const clients: ServiceBusClient[] = [];
afterAll(() => Promise.all(clients.map((c) => c.close())));

function sdkClient(): ServiceBusClient {
  // The connection string the app sees: the emulator form with the port the stack took written in.
  const connectionString = stack().host.settings.ServiceBusConnection!;
  const client = new ServiceBusClient(connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 10_000 } });
  clients.push(client);
  return client;
}

describe('the app with an @azure/service-bus sender', () => {
  it('points the app’s emulator connection string at the AMQP port the stack took', () => {
    const s = stack();
    expect(s.amqp.port).toBeGreaterThan(0);
    expect(s.host.settings.ServiceBusConnection).toMatch(
      new RegExp(`^Endpoint=sb://localhost:${s.amqp.port};.*UseDevelopmentEmulator=true;$`),
    );
    expect(s.urls.servicebus).toBe(`sb://localhost:${s.amqp.port}`);
    // The tests' settings carry the sample's public SAS_KEY_VALUE: the app gets a key made for this run instead.
    expect(s.host.settings.ServiceBusConnection).not.toContain('SAS_KEY_VALUE');
  });

  it('an order message sent to topic orders with the SDK is processed by processOrder to a final status', async () => {
    const s = stack();
    const userId = 'sdk-user';
    const orderId = randomUUID();
    await storeAcceptedOrder(s.host.settings, userId, orderId);
    await sdkClient()
      .createSender('orders')
      .sendMessages({
        messageId: orderId,
        contentType: 'application/json',
        body: { orderId, userId, items: [{ sku: 'MUG-CERAMIC', quantity: 1 }], createdAt: new Date().toISOString() },
      });
    const client = await OrdersClient.signIn(s.urls.functions, userId);
    const order = await client.waitUntilFinal(orderId);
    expect(order).toMatchObject({ orderId, status: 'Completed', version: 2 });
  });
});
