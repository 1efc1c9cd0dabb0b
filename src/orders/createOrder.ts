import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { randomUUID } from 'node:crypto';
import { orderTopicOutput } from '../platform/bindings.js';
import { authenticate } from '../platform/identity.js';
import { readJsonBody } from '../platform/jsonBody.js';
import { getOrderStore, type IdempotencyRecord, type OrderStore } from './orderStore.js';
import { problem, validationProblem } from '../platform/problem.js';
import { readIdempotencyKey, requestFingerprint } from './idempotency.js';
import { newOrder, type Order } from './order.js';
import { orderMessage } from './orderMessage.js';
import { parseCreateOrder, type CreateOrderInput } from './schema.js';

/** POST /api/orders: validate, store as Accepted, put the order message on topic `orders`, answer 202. */
export async function handleCreateOrder(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const auth = authenticate(request.headers);
  if (!auth.ok) return auth.response;
  const body = await readJsonBody(request);
  if (!body.ok) return body.response;
  const input = parseCreateOrder(body.value);
  if (!input.ok) return validationProblem(input.errors);
  const idempotency = readIdempotencyKey(request.headers);
  if (!idempotency.ok) return problem(400, idempotency.message);

  const { userId } = auth.principal;
  const store = await getOrderStore();
  const key = idempotency.key;
  if (key) {
    const existing = await store.findIdempotencyRecord(userId, key);
    if (existing) return replay(store, userId, existing, input.value, request, context);
  }

  const order = newOrder({ orderId: randomUUID(), userId, ...input.value, now: new Date() });
  // Only a request with a key is ever compared with another, so only then is its fingerprint hashed.
  const result = await store.create(order, key ? { key, requestHash: requestFingerprint(input.value) } : undefined);
  if (!result.created) return replay(store, userId, result.existing, input.value, request, context);
  context.extraOutputs.set(orderTopicOutput, orderMessage(order, result.etag));
  context.log(`Order ${order.orderId} accepted for user ${userId}.`);
  return accepted(order.orderId, request);
}

/**
 * A repeated Idempotency-Key: the same body gets the first answer again, a different body is refused. An
 * order still Accepted has its message sent again, since the output binding keeps no outbox to prove it
 * left; processing is idempotent, so a second copy is harmless.
 */
async function replay(
  store: OrderStore,
  userId: string,
  record: IdempotencyRecord,
  input: CreateOrderInput,
  request: HttpRequest,
  context: InvocationContext,
): Promise<HttpResponseInit> {
  if (record.requestHash !== requestFingerprint(input)) {
    return problem(422, 'This Idempotency-Key was already used for a different order request.');
  }
  const stored = await store.get(userId, record.orderId);
  if (!stored) throw new Error(`Idempotency record points at missing order ${record.orderId}.`);
  if (stored.order.status === 'Accepted') {
    context.extraOutputs.set(orderTopicOutput, orderMessage(stored.order, stored.etag));
  }
  const response = accepted(record.orderId, request);
  return { ...response, headers: { ...response.headers, 'idempotent-replayed': 'true' } };
}

function accepted(
  orderId: Order['orderId'],
  request: HttpRequest,
): HttpResponseInit & { headers: Record<string, string> } {
  // Built from the request URL, so the route prefix is whatever host.json says.
  const url = new URL(request.url);
  url.pathname = `${url.pathname.replace(/\/+$/, '')}/${orderId}`;
  url.search = '';
  const statusUrl = url.toString();
  return { status: 202, headers: { location: statusUrl }, jsonBody: { orderId, status: 'Accepted', statusUrl } };
}
