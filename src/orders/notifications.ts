import type { HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import { signalRConnectionInfoInput, signalROutput } from '../platform/bindings.js';
import { authenticate } from '../platform/identity.js';
import { problem } from '../platform/problem.js';
import { toAmount } from './catalog.js';
import type { Order } from './order.js';
import type { OrderStatus } from './status.js';

export const ORDER_STATUS_TARGET = 'orderStatus';

export type OrderStatusUpdate = {
  orderId: string;
  status: OrderStatus;
  version: number;
  updatedAt: string;
  total?: number;
  reason?: string;
};

export type SignalRMessage = { target: string; groupName: string; arguments: [OrderStatusUpdate] };

export type SignalRGroupAction = { action: 'add'; userId: string; groupName: string };

/** Every connection of a user joins this group, so each of their sessions hears about each of their orders. */
export function userGroup(userId: string): string {
  return `user-${userId}`;
}

export function orderStatusMessage(order: Order): SignalRMessage {
  const update: OrderStatusUpdate = {
    orderId: order.orderId,
    status: order.status,
    version: order.version,
    updatedAt: order.updatedAt,
    ...(order.totalCents === undefined ? {} : { total: toAmount(order.totalCents) }),
    ...(order.reason === undefined ? {} : { reason: order.reason }),
  };
  return { target: ORDER_STATUS_TARGET, groupName: userGroup(order.userId), arguments: [update] };
}

/** Sends the order's current status to its owner's group. */
export function notifyOrderStatus(context: InvocationContext, order: Order): void {
  context.extraOutputs.set(signalROutput, orderStatusMessage(order));
}

/**
 * POST /api/negotiate: hands out the SignalR connection info the input binding minted for the Easy Auth user,
 * and adds that user to their group.
 */
export async function handleNegotiate(request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> {
  const auth = authenticate(request.headers);
  if (!auth.ok) return auth.response;
  const connectionInfo: unknown = context.extraInputs.get(signalRConnectionInfoInput);
  if (!connectionInfo) return problem(503, 'The SignalR connection info binding produced nothing.');
  const { userId } = auth.principal;
  const join: SignalRGroupAction = { action: 'add', userId, groupName: userGroup(userId) };
  context.extraOutputs.set(signalROutput, join);
  return { status: 200, jsonBody: connectionInfo };
}
