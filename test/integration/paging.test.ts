import { expect, it } from 'vitest';
import { OrdersClient, useLocalStack } from '../support/stack.js';

const { stack } = useLocalStack();

it('GET /api/orders answers a page at a time, newest first, with a next link to follow', async () => {
  const client = await OrdersClient.signIn(stack().urls.functions, 'paging-carol');
  const placed: string[] = [];
  for (let i = 0; i < 5; i++) placed.push(await client.place([{ sku: 'MUG-CERAMIC', quantity: 1 }]));
  const seen: { orderId: string; createdAt: string }[] = [];
  let path: string | undefined = '/api/orders?top=2';
  const pages: number[] = [];
  while (path) {
    const response = await client.request('GET', path);
    const body = (await response.json()) as { orders: { orderId: string; createdAt: string }[]; next?: string };
    if (body.next) expect(response.headers.get('link')).toBe(`<${body.next}>; rel="next"`);
    pages.push(body.orders.length);
    seen.push(...body.orders);
    path = body.next === undefined ? undefined : new URL(body.next).pathname + new URL(body.next).search;
  }
  expect(pages).toEqual([2, 2, 1]);
  expect(new Set(seen.map((o) => o.orderId))).toEqual(new Set(placed));
  const times = seen.map((o) => o.createdAt);
  expect(times).toEqual([...times].sort().reverse());
});

it('refuses a page size or cursor it cannot use, naming the field', async () => {
  const client = await OrdersClient.signIn(stack().urls.functions, 'paging-dave');
  for (const [query, field] of [
    ['top=201', 'top'],
    ['top=0', 'top'],
    ['after=not-a-cursor', 'after'],
  ]) {
    const response = await client.request('GET', `/api/orders?${query}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(((await response.json()) as { errors: { field: string }[] }).errors.map((e) => e.field)).toEqual([field]);
  }
});
