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

// With the dead-letter handler switched off (as the AzureWebJobs.<name>.Disabled setting does in Azure), a
// dead-lettered message stays on the DLQ where /_local/servicebus can show it; orders.test.ts covers the handler.
const { stack } = useLocalStack({ env: { ...process.env, 'AzureWebJobs.orderDeadLetters.Disabled': 'true' } });

const DLQ = 'orders/Subscriptions/order-processor/$DeadLetterQueue';

describe('the dead-letter queue through /_local/servicebus', () => {
  it('shows a poison message after 5 deliveries with reason MaxDeliveryCountExceeded', async () => {
    const s = stack();
    const userId = 'dlq-user';
    const orderId = randomUUID();
    await storeAcceptedOrder(s.host.settings, userId, orderId);
    const messageId = `poison-${orderId}`;
    await s.broker.send('orders', [{ messageId, body: malformedOrderMessage(orderId, userId) }]);

    const deadLetter = await pollUntil(
      async () => {
        const response = await fetch(`${s.urls.functions}/_local/servicebus`);
        const { entities } = (await response.json()) as ServiceBusView;
        return entities.find((e) => e.path === DLQ)?.deadLetters?.find((m) => m.messageId === messageId);
      },
      { timeoutMs: 15_000, what: `message ${messageId} on ${DLQ}` },
    );
    expect(deadLetter).toMatchObject({ deliveryCount: 5, reason: 'MaxDeliveryCountExceeded' });

    // Nobody handled the dead letter, so the order is still as createOrder left it.
    const client = await OrdersClient.signIn(s.urls.functions, userId);
    expect(await client.get(orderId)).toMatchObject({ status: 'Accepted', version: 1 });
  });
});
