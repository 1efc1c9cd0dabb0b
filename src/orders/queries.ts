import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { authenticate } from '../platform/identity.js';
import { getOrderStore } from './orderStore.js';
import { problem } from '../platform/problem.js';
import { CURRENCY, listProducts, toAmount } from './catalog.js';
import { orderView } from './order.js';
import { pageOf, parsePageRequest } from './paging.js';

const ORDER_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** GET /api/orders/{orderId}: the caller's order; anyone else's is as missing as one that never existed. */
export async function handleGetOrder(request: HttpRequest): Promise<HttpResponseInit> {
  const auth = authenticate(request.headers);
  if (!auth.ok) return auth.response;
  const orderId = request.params.orderId ?? '';
  const stored = ORDER_ID_PATTERN.test(orderId)
    ? await (await getOrderStore()).get(auth.principal.userId, orderId)
    : undefined;
  if (!stored) return problem(404, `There is no order ${orderId}.`);
  return { status: 200, jsonBody: orderView(stored.order) };
}

/**
 * GET /api/orders: the caller's orders, newest first, a page at a time (`?top=`, default 50, at most 200). When
 * there are more, `next` (and a `Link: <…>; rel="next"` header) is the URL of the following page.
 */
export async function handleListOrders(request: HttpRequest): Promise<HttpResponseInit> {
  const auth = authenticate(request.headers);
  if (!auth.ok) return auth.response;
  const url = new URL(request.url);
  const paging = parsePageRequest(url.searchParams);
  if (!paging.ok) return problem(400, 'The query string is invalid.', { errors: paging.errors });
  const orders = await (await getOrderStore()).list(auth.principal.userId);
  const { page, next } = pageOf(orders, paging.value);
  if (!next) return { status: 200, jsonBody: { orders: page.map(orderView) } };
  url.search = new URLSearchParams({ top: String(paging.value.top), after: next }).toString();
  return {
    status: 200,
    headers: { link: `<${url.toString()}>; rel="next"` },
    jsonBody: { orders: page.map(orderView), next: url.toString() },
  };
}

/** GET /api/products: the catalog, for anyone. */
export async function handleListProducts(): Promise<HttpResponseInit> {
  const products = listProducts().map((p) => ({
    sku: p.sku,
    name: p.name,
    price: toAmount(p.priceCents),
    currency: CURRENCY,
    stock: p.stock,
    inStock: p.stock > 0,
  }));
  return { status: 200, jsonBody: { products } };
}
