import { beforeAll, describe, expect, it } from 'vitest';
import type { OrderItem } from '../../src/orders/order.js';
import { orderTopicOutput, signalROutput } from '../../src/platform/bindings.js';
import { getOrderStore } from '../../src/orders/orderStore.js';
import { useAzurite } from '../support/azurite.js';
import {
  httpRequest,
  invocationContext,
  invoke,
  invokeHttp,
  loadFunctionsApp,
  signedInAs,
} from '../support/functionsApp.js';

const azurite = useAzurite();

beforeAll(async () => {
  process.env.OrdersStorage = azurite().connectionString;
  await loadFunctionsApp();
});

/** Places an order through createOrder and returns the message it put on the topic. */
async function placeOrder(userId: string, items: OrderItem[]): Promise<{ orderId: string; userId: string }> {
  const { context } = await invokeHttp(
    'createOrder',
    httpRequest({ method: 'POST', path: 'orders', headers: signedInAs(userId), body: { items } }),
  );
  return context.extraOutputs.get(orderTopicOutput) as { orderId: string; userId: string };
}

async function deliver(functionName: string, message: unknown, triggerMetadata: Record<string, unknown> = {}) {
  const context = invocationContext(functionName, { deliveryCount: 1, messageId: 'm-1', ...triggerMetadata });
  await invoke(functionName, message, context);
  return context;
}

async function stored(userId: string, orderId: string) {
  return (await (await getOrderStore()).get(userId, orderId))?.order;
}

describe('processOrder', () => {
  it('completes a valid order with its total and tells the user group', async () => {
    const message = await placeOrder('buyer', [
      { sku: 'MUG-CERAMIC', quantity: 2 },
      { sku: 'COFFEE-BEANS-1KG', quantity: 1 },
    ]);
    const context = await deliver('processOrder', message);
    expect(await stored('buyer', message.orderId)).toMatchObject({ status: 'Completed', version: 2, totalCents: 4390 });
    expect(context.extraOutputs.get(signalROutput)).toEqual({
      target: 'orderStatus',
      groupName: 'user-buyer',
      arguments: [
        {
          orderId: message.orderId,
          status: 'Completed',
          version: 2,
          total: 43.9,
          updatedAt: expect.stringMatching(/^\d{4}-/),
        },
      ],
    });
  });

  it('rejects an order with an unknown SKU or too little stock, naming each reason', async () => {
    const message = await placeOrder('picky', [
      { sku: 'NO-SUCH-THING', quantity: 1 },
      { sku: 'KETTLE-GOOSENECK', quantity: 1 },
      { sku: 'GRINDER-BURR', quantity: 20 },
    ]);
    const context = await deliver('processOrder', message);
    const order = await stored('picky', message.orderId);
    expect(order).toMatchObject({ status: 'Rejected', version: 2 });
    expect(order?.reason).toContain('NO-SUCH-THING');
    expect(order?.reason).toContain('KETTLE-GOOSENECK is out of stock');
    expect(order?.reason).toContain('20 requested, 15 available');
    expect(context.extraOutputs.get(signalROutput)).toMatchObject({
      groupName: 'user-picky',
      arguments: [{ status: 'Rejected', version: 2, reason: order?.reason }],
    });
  });

  it('applies a redelivered message once but notifies again with the same status and version', async () => {
    const message = await placeOrder('twice', [{ sku: 'MUG-CERAMIC', quantity: 1 }]);
    const first = await deliver('processOrder', message);
    const afterFirst = await stored('twice', message.orderId);
    const second = await deliver('processOrder', message, { deliveryCount: 2 });
    expect(await stored('twice', message.orderId)).toEqual(afterFirst);
    expect(second.extraOutputs.get(signalROutput)).toEqual(first.extraOutputs.get(signalROutput));
  });

  it('processes concurrent duplicates into one status change', async () => {
    const message = await placeOrder('racer', [{ sku: 'TEA-SENCHA-250G', quantity: 3 }]);
    const contexts = await Promise.all([1, 2, 3].map(() => deliver('processOrder', message)));
    const order = await stored('racer', message.orderId);
    expect(order).toMatchObject({ status: 'Completed', version: 2 });
    for (const context of contexts) {
      expect(context.extraOutputs.get(signalROutput)).toMatchObject({
        arguments: [{ status: 'Completed', version: 2, updatedAt: order?.updatedAt }],
      });
    }
  });

  it.each([
    ['not an object', 'hello'],
    ['no order id', { userId: 'x', items: [{ sku: 'A', quantity: 1 }], createdAt: new Date().toISOString() }],
  ])('throws on a malformed message (%s) so it is retried and dead-lettered', async (_, body) => {
    const context = invocationContext('processOrder');
    await expect(invoke('processOrder', body, context)).rejects.toThrow(/Malformed order message/);
    expect(context.extraOutputs.get(signalROutput)).toBeUndefined();
  });

  it('throws for a message about an order that does not exist', async () => {
    const ghost = {
      orderId: '00000000-0000-4000-8000-000000000001',
      userId: 'ghost',
      items: [{ sku: 'MUG-CERAMIC', quantity: 1 }],
      createdAt: new Date().toISOString(),
    };
    await expect(invoke('processOrder', ghost, invocationContext('processOrder'))).rejects.toThrow(/does not exist/);
  });
});

describe('orderDeadLetters', () => {
  it('marks the order Failed with the broker reason and tells the user', async () => {
    const message = await placeOrder('unlucky', [{ sku: 'MUG-CERAMIC', quantity: 1 }]);
    const context = await deliver('orderDeadLetters', message, {
      applicationProperties: {
        deadLetterReason: 'MaxDeliveryCountExceeded',
        deadLetterErrorDescription: 'Message could not be consumed after 5 delivery attempts.',
      },
    });
    const order = await stored('unlucky', message.orderId);
    expect(order).toMatchObject({
      status: 'Failed',
      version: 2,
      reason: 'Processing failed: MaxDeliveryCountExceeded: Message could not be consumed after 5 delivery attempts.',
    });
    expect(context.extraOutputs.get(signalROutput)).toMatchObject({
      target: 'orderStatus',
      groupName: 'user-unlucky',
      arguments: [{ orderId: message.orderId, status: 'Failed', version: 2, reason: order?.reason }],
    });

    const again = await deliver('orderDeadLetters', message);
    expect(await stored('unlucky', message.orderId)).toEqual(order);
    expect(again.extraOutputs.get(signalROutput)).toEqual(context.extraOutputs.get(signalROutput));
  });

  it('leaves an order already decided as it is, and still notifies', async () => {
    const message = await placeOrder('settled', [{ sku: 'MUG-CERAMIC', quantity: 1 }]);
    await deliver('processOrder', message);
    const context = await deliver('orderDeadLetters', message, {
      applicationProperties: { deadLetterReason: 'TTLExpiredException' },
    });
    expect(await stored('settled', message.orderId)).toMatchObject({ status: 'Completed', version: 2 });
    expect(context.extraOutputs.get(signalROutput)).toMatchObject({ arguments: [{ status: 'Completed' }] });
  });

  it('stops re-sending an unchanged status after a few deliveries, so an outage cannot make a hot loop', async () => {
    const message = await placeOrder('outage', [{ sku: 'MUG-CERAMIC', quantity: 1 }]);
    await deliver('processOrder', message);
    const early = await deliver('orderDeadLetters', message, { deliveryCount: 3 });
    expect(early.extraOutputs.get(signalROutput)).toMatchObject({ arguments: [{ status: 'Completed' }] });
    const late = await deliver('orderDeadLetters', message, { deliveryCount: 4 });
    expect(late.extraOutputs.get(signalROutput)).toBeUndefined();
    expect(late.logs).toContainEqual({ level: 'warning', message: expect.stringContaining('not re-sent') });
  });

  it('drops a message that names no order, with a warning and no notification', async () => {
    const context = await deliver('orderDeadLetters', 'garbage', { messageId: 'poison-1' });
    expect(context.extraOutputs.get(signalROutput)).toBeUndefined();
    expect(context.logs).toContainEqual({ level: 'warning', message: expect.stringContaining('poison-1') });
  });

  it('works from the order reference alone when the rest of the message is malformed', async () => {
    const message = await placeOrder('partial', [{ sku: 'MUG-CERAMIC', quantity: 1 }]);
    const context = await deliver('orderDeadLetters', { orderId: message.orderId, userId: 'partial', items: 'bad' });
    expect(await stored('partial', message.orderId)).toMatchObject({ status: 'Failed', reason: 'Processing failed' });
    expect(context.extraOutputs.get(signalROutput)).toMatchObject({ groupName: 'user-partial' });
  });
});
