/** The spans of one order's path, request to SignalR send, as the stack records them (inspector and OTLP). */
export const ORDER_PATH_SPANS: readonly string[] = [
  'POST /api/orders',
  'EasyAuth authenticated',
  'createOrder',
  'send orders',
  'enqueue orders',
  'deliver orders/Subscriptions/order-processor',
  'processOrder',
  'SignalR output signalRMessages',
  'SignalR sendToGroup',
];
