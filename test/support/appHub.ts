import { HttpTransportType, HubConnectionBuilder, LogLevel, type HubConnection } from '@microsoft/signalr';
import type { OrdersClient } from './stack.js';

/**
 * A connection (not started yet) to the app's hub for `client`'s user, as the web client opens it: the real
 * client negotiates through `/api` with the session token, follows the redirect to the SignalR service and
 * talks WebSockets.
 */
export function appHubConnection(client: OrdersClient): HubConnection {
  return new HubConnectionBuilder()
    .withUrl(`${client.baseUrl}/api`, {
      headers: { 'X-ZUMO-AUTH': client.token },
      transport: HttpTransportType.WebSockets,
    })
    .configureLogging(LogLevel.None)
    .build();
}
