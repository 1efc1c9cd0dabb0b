import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { authenticate } from '../platform/identity.js';
import { getOrderStore } from './orderStore.js';
import { problem } from '../platform/problem.js';
import { CURRENCY, listProducts, toAmount } from './catalog.js';
import { orderView } from './order.js';

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

/** GET /api/orders: the caller's orders, newest first. */
export async function handleListOrders(request: HttpRequest): Promise<HttpResponseInit> {
  const auth = authenticate(request.headers);
  if (!auth.ok) return auth.response;
  const orders = await (await getOrderStore()).list(auth.principal.userId);
  return { status: 200, jsonBody: { orders: orders.map(orderView) } };
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
