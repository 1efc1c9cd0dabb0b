import { beforeAll, describe, expect, it } from 'vitest';
import { orderTopicOutput } from '../../src/platform/bindings.js';
import { getOrderStore } from '../../src/orders/orderStore.js';
import { useAzurite } from '../support/azurite.js';
import {
  httpRequest,
  invokeHttp,
  loadFunctionsApp,
  responseHeader,
  responseJson,
  signedInAs,
} from '../support/functionsApp.js';

const azurite = useAzurite();

beforeAll(async () => {
  process.env.OrdersStorage = azurite().connectionString;
  process.env.OrdersTableName = 'ordersapi';
  await loadFunctionsApp();
});

const validOrder = { items: [{ sku: 'MUG-CERAMIC', quantity: 2 }], note: 'gift wrap' };

function postOrder(userId: string | undefined, body: unknown, headers: Record<string, string> = {}) {
  const auth = userId ? signedInAs(userId) : {};
  return invokeHttp(
    'createOrder',
    httpRequest({ method: 'POST', path: 'orders', headers: { ...auth, ...headers }, body }),
  );
}

async function storedOrderCount(userId: string): Promise<number> {
  return (await (await getOrderStore()).list(userId)).length;
}

describe('POST /api/orders', () => {
  it('stores the order as Accepted, sends its message to topic orders and answers 202 with Location', async () => {
    const { response, context } = await postOrder('alice', validOrder);
    expect(response.status).toBe(202);
    const body = responseJson(response) as { orderId: string; status: string; statusUrl: string };
    expect(body.status).toBe('Accepted');
    expect(body.orderId).toMatch(/^[0-9a-f-]{36}$/);
    expect(body.statusUrl).toBe(`http://localhost:7071/api/orders/${body.orderId}`);
    expect(responseHeader(response, 'location')).toBe(body.statusUrl);

    const stored = await (await getOrderStore()).get('alice', body.orderId);
    expect(context.extraOutputs.get(orderTopicOutput)).toEqual({
      orderId: body.orderId,
      userId: 'alice',
      items: validOrder.items,
      note: 'gift wrap',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      etag: stored?.etag,
    });
    expect(stored?.order).toMatchObject({ status: 'Accepted', version: 1, note: 'gift wrap', items: validOrder.items });
  });

  it('answers 401 problem+json when nobody is signed in, and stores nothing', async () => {
    const { response, context } = await postOrder(undefined, validOrder);
    expect(response.status).toBe(401);
    expect(responseHeader(response, 'content-type')).toBe('application/problem+json');
    expect(responseJson(response)).toMatchObject({ status: 401, title: 'Unauthorized' });
    expect(context.extraOutputs.get(orderTopicOutput)).toBeUndefined();
  });

  it('answers 415 to a body that is not declared JSON', async () => {
    const { response } = await postOrder('u415', JSON.stringify(validOrder), { 'content-type': 'text/plain' });
    expect(response.status).toBe(415);
    expect(responseHeader(response, 'content-type')).toBe('application/problem+json');
  });

  it('answers 413 to a body over 64 KB', async () => {
    const big = { items: [{ sku: 'MUG-CERAMIC', quantity: 1 }], note: 'x'.repeat(70_000) };
    const { response, context } = await postOrder('u413', big);
    expect(response.status).toBe(413);
    expect(context.extraOutputs.get(orderTopicOutput)).toBeUndefined();
    expect(await storedOrderCount('u413')).toBe(0);
  });

  it('answers 400 to malformed JSON', async () => {
    const { response } = await postOrder('u400', '{"items": [', { 'content-type': 'application/json' });
    expect(response.status).toBe(400);
    expect(responseJson(response)).toMatchObject({ detail: expect.stringContaining('not valid JSON') });
  });

  it('answers 400 problem+json listing every invalid field, and writes nothing anywhere', async () => {
    const body = {
      items: [
        { sku: 'mug', quantity: 0 },
        { sku: 'MUG-CERAMIC', quantity: 1, price: 1 },
      ],
      coupon: 'X',
    };
    const { response, context } = await postOrder('u400b', body);
    expect(response.status).toBe(400);
    expect(responseHeader(response, 'content-type')).toBe('application/problem+json');
    const problem = responseJson(response) as { errors: { field: string; message: string }[] };
    expect(problem.errors.map((e) => e.field).sort()).toEqual([
      'coupon',
      'items[0].quantity',
      'items[0].sku',
      'items[1].price',
    ]);
    expect(context.extraOutputs.get(orderTopicOutput)).toBeUndefined();
    expect(await storedOrderCount('u400b')).toBe(0);
  });

  it('rejects a malformed Idempotency-Key with 400', async () => {
    const { response } = await postOrder('ukey', validOrder, { 'idempotency-key': 'has spaces' });
    expect(response.status).toBe(400);
    expect(await storedOrderCount('ukey')).toBe(0);
  });

  describe('Idempotency-Key', () => {
    it('returns the same order for the same key and body, re-sending the message while still Accepted', async () => {
      const first = await postOrder('idem', validOrder, { 'idempotency-key': 'k-1' });
      const again = await postOrder(
        'idem',
        { note: 'gift wrap', items: [{ quantity: 2, sku: 'MUG-CERAMIC' }] },
        {
          'idempotency-key': 'k-1',
        },
      );
      expect(first.response.status).toBe(202);
      expect(again.response.status).toBe(202);
      expect(responseJson(again.response)).toEqual(responseJson(first.response));
      expect(responseHeader(again.response, 'idempotent-replayed')).toBe('true');
      expect(again.context.extraOutputs.get(orderTopicOutput)).toEqual(
        first.context.extraOutputs.get(orderTopicOutput),
      );
      expect(await storedOrderCount('idem')).toBe(1);
    });

    it('answers 422 when the key is reused with a different body', async () => {
      await postOrder('idem422', validOrder, { 'idempotency-key': 'k-2' });
      const { response, context } = await postOrder(
        'idem422',
        { items: [{ sku: 'MUG-CERAMIC', quantity: 3 }] },
        { 'idempotency-key': 'k-2' },
      );
      expect(response.status).toBe(422);
      expect(context.extraOutputs.get(orderTopicOutput)).toBeUndefined();
      expect(await storedOrderCount('idem422')).toBe(1);
    });

    it('keeps keys per user: the same key from another user makes a new order', async () => {
      const mine = await postOrder('idem-a', validOrder, { 'idempotency-key': 'shared' });
      const theirs = await postOrder('idem-b', validOrder, { 'idempotency-key': 'shared' });
      expect(theirs.response.status).toBe(202);
      expect(responseJson(theirs.response)).not.toEqual(responseJson(mine.response));
    });

    it('creates one order when the same request races itself', async () => {
      const results = await Promise.all(
        Array.from({ length: 4 }, () => postOrder('idem-race', validOrder, { 'idempotency-key': 'race' })),
      );
      const orderIds = new Set(results.map(({ response }) => (responseJson(response) as { orderId: string }).orderId));
      expect(results.map(({ response }) => response.status)).toEqual([202, 202, 202, 202]);
      expect(orderIds.size).toBe(1);
      expect(await storedOrderCount('idem-race')).toBe(1);
    });
  });
});

describe('GET /api/orders and /api/orders/{orderId}', () => {
  async function create(userId: string): Promise<string> {
    const { response } = await postOrder(userId, validOrder);
    return (responseJson(response) as { orderId: string }).orderId;
  }

  function getOrder(userId: string | undefined, orderId: string) {
    const headers = userId ? signedInAs(userId) : {};
    return invokeHttp(
      'getOrder',
      httpRequest({ method: 'GET', path: `orders/${orderId}`, headers, params: { orderId } }),
    );
  }

  it("returns the caller's own order", async () => {
    const orderId = await create('reader');
    const { response } = await getOrder('reader', orderId);
    expect(response.status).toBe(200);
    expect(responseJson(response)).toMatchObject({ orderId, status: 'Accepted', version: 1, items: validOrder.items });
  });

  it("answers another user's order id exactly as a missing one", async () => {
    const orderId = await create('owner');
    const foreign = await getOrder('intruder', orderId);
    const missing = await getOrder('intruder', '00000000-0000-4000-8000-000000000000');
    expect(foreign.response.status).toBe(404);
    expect(missing.response.status).toBe(404);
    const strip = (r: typeof foreign.response) => ({ ...(responseJson(r) as object), detail: undefined });
    expect(strip(foreign.response)).toEqual(strip(missing.response));
  });

  it('answers 404 to an id that is not an order id at all', async () => {
    const { response } = await getOrder('reader', 'not-an-id');
    expect(response.status).toBe(404);
  });

  it('requires sign-in', async () => {
    expect((await getOrder(undefined, '00000000-0000-4000-8000-000000000000')).response.status).toBe(401);
    const list = await invokeHttp('listOrders', httpRequest({ method: 'GET', path: 'orders' }));
    expect(list.response.status).toBe(401);
  });

  it("lists only the caller's orders, newest first", async () => {
    const first = await create('lister');
    const second = await create('lister');
    await create('someone-else');
    const { response } = await invokeHttp(
      'listOrders',
      httpRequest({ method: 'GET', path: 'orders', headers: signedInAs('lister') }),
    );
    expect(response.status).toBe(200);
    const { orders } = responseJson(response) as { orders: { orderId: string }[] };
    expect(orders.map((o) => o.orderId).sort()).toEqual([first, second].sort());
    const created = orders.map((o) => (o as unknown as { createdAt: string }).createdAt);
    expect([...created].sort().reverse()).toEqual(created);
  });
});

describe('GET /api/products', () => {
  it('returns the catalog to anyone, including an out-of-stock product', async () => {
    const { response } = await invokeHttp('listProducts', httpRequest({ method: 'GET', path: 'products' }));
    expect(response.status).toBe(200);
    const { products } = responseJson(response) as { products: { sku: string; price: number; inStock: boolean }[] };
    expect(products.length).toBeGreaterThanOrEqual(4);
    expect(products).toContainEqual(expect.objectContaining({ sku: 'MUG-CERAMIC', price: 9.5, inStock: true }));
    expect(products.some((p) => !p.inStock)).toBe(true);
  });
});
