import { describe, expect, it } from 'vitest';
import { OrdersClient, useLocalStack } from '../support/stack.js';

const fixture = useLocalStack();
const base = () => fixture.stack().urls.functions;

function act(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base()}/_local/api/servicebus/${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-functions-key': fixture.stack().masterKey, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

async function problem(response: Response): Promise<{ status: number; detail: string; errors?: unknown[] }> {
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  return (await response.json()) as { status: number; detail: string; errors?: unknown[] };
}

describe('the inspector endpoints', () => {
  it('serves the page from its bundle, with a policy that allows only its own scripts', async () => {
    const page = await fetch(`${base()}/_local/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).toContain('<title>Local inspector</title>');
    expect((await fetch(`${base()}/_local/inspector.js`)).headers.get('content-type')).toContain('javascript');
    const redirect = await fetch(`${base()}/_local`, { redirect: 'manual' });
    expect(redirect.headers.get('location')).toBe('/_local/');
  });

  it('every action needs the master key, a JSON body and this site as its origin', async () => {
    const noKey = await act('purge', { entity: 'orders/Subscriptions/order-processor' }, { 'x-functions-key': '' });
    expect((await problem(noKey)).status).toBe(401);
    const wrongKey = await act('purge', { entity: 'orders/Subscriptions/order-processor' }, { 'x-functions-key': 'x' });
    expect(wrongKey.status).toBe(401);
    const otherSite = await act(
      'purge',
      { entity: 'orders/Subscriptions/order-processor' },
      { origin: 'http://evil.example' },
    );
    expect((await problem(otherSite)).status).toBe(403);
    const crossSite = await act('purge', { entity: 'x' }, { 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    const form = await act('purge', 'entity=x', { 'content-type': 'application/x-www-form-urlencoded' });
    expect((await problem(form)).status).toBe(415);
    const get = await fetch(`${base()}/_local/api/servicebus/purge`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    const post = await fetch(`${base()}/_local/api/servicebus`, { method: 'POST' });
    expect(post.status).toBe(405);
  });

  it('says which field of an action is wrong, and what the broker refused', async () => {
    const bad = await problem(await act('resubmit', { entity: 'x', sequenceNumber: 'one' }));
    expect(bad.status).toBe(400);
    expect(bad.errors).toEqual([expect.objectContaining({ field: 'sequenceNumber' })]);
    expect((await problem(await act('send', { entity: 'orders', body: 5 }))).errors).toEqual([
      expect.objectContaining({ field: 'body' }),
    ]);
    expect((await problem(await act('send', { entity: 'orders', body: '{}', extra: 1 }))).status).toBe(400);
    expect((await problem(await act('send', '{not json'))).detail).toMatch(/not valid JSON/);
    const unknown = await problem(await act('purge', { entity: 'no-such-queue' }));
    expect(unknown.status).toBe(404);
    expect(unknown.detail).toContain('no-such-queue');
    const notDlq = await problem(
      await act('resubmit', { entity: 'orders/Subscriptions/order-processor', sequenceNumber: 1 }),
    );
    expect(notDlq.detail).toMatch(/is not a dead-letter queue/);
    const missing = await problem(
      await act('resubmit', { entity: 'orders/Subscriptions/order-processor/$DeadLetterQueue', sequenceNumber: 99 }),
    );
    expect(missing.status).toBe(404);
    const peekUnknown = await fetch(`${base()}/_local/api/servicebus/messages?entity=nope`);
    expect((await problem(peekUnknown)).status).toBe(404);
  });

  it('lists the functions with their bindings, the entities, and the orders table read-only', async () => {
    const client = await OrdersClient.signIn(base(), 'tina');
    const orderId = await client.place([{ sku: 'MUG-CERAMIC', quantity: 2 }]);
    await client.waitUntilFinal(orderId);

    const { functions } = (await (await fetch(`${base()}/_local/api/functions`)).json()) as {
      functions: { name: string; trigger: string; http?: unknown; bindings: { type: string }[] }[];
    };
    const processOrder = functions.find((f) => f.name === 'processOrder')!;
    expect(processOrder.trigger).toBe('serviceBusTrigger');
    expect(processOrder.http).toBeUndefined();
    expect(processOrder.bindings.map((b) => b.type)).toEqual(['serviceBusTrigger', 'signalR']);
    const entities = (await (await fetch(`${base()}/_local/api/servicebus`)).json()) as { sendTargets: string[] };
    expect(entities.sendTargets).toEqual(['orders']);

    const { tables } = (await (await fetch(`${base()}/_local/api/storage/tables`)).json()) as { tables: string[] };
    expect(tables).toContain('orders');
    const rows = (await (await fetch(`${base()}/_local/api/storage/entities?table=orders`)).json()) as {
      entities: { partitionKey: string; rowKey: string }[];
    };
    expect(rows.entities).toContainEqual(
      expect.objectContaining({ partitionKey: 'tina', orderId, status: 'Completed' }),
    );
    const noTable = await fetch(`${base()}/_local/api/storage/entities`);
    expect((await problem(noTable)).errors).toEqual([expect.objectContaining({ field: 'table' })]);
  });

  it('purges with the key: the count of what was deleted', async () => {
    const response = await act('purge', { entity: 'orders/Subscriptions/order-processor/$DeadLetterQueue' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ purged: 0 });
  });
});
