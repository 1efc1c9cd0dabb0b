import {
  HttpTransportType,
  HubConnectionBuilder,
  HubConnectionState,
  LogLevel,
  type HubConnection,
  type ILogger,
} from '@microsoft/signalr';
import type { OrderView } from './orderState.js';

export type TransportChoice = 'auto' | 'WebSockets' | 'ServerSentEvents' | 'LongPolling';
export const TRANSPORT_CHOICES: readonly TransportChoice[] = ['auto', 'WebSockets', 'ServerSentEvents', 'LongPolling'];

export type LiveState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

export type LiveCallbacks = {
  onStatus(update: OrderView): void;
  onState(state: LiveState, transport: string | undefined): void;
  /** After every (re)connect: whatever arrived while away must be fetched over HTTP. */
  onConnected(): void;
};

/** Retries forever with a capped backoff: a notification page should come back by itself. */
const retryDelays = [0, 1000, 2000, 5000];

/**
 * The hub connection: the client negotiates at `<api>/api/negotiate` (the Functions app), is redirected to the
 * SignalR service with a token bound to the signed-in user, and reconnects by negotiating again.
 */
export function connectLive(
  apiBaseUrl: string,
  token: string,
  transport: TransportChoice,
  callbacks: LiveCallbacks,
): { stop(): Promise<void> } {
  let selectedTransport: string | undefined;
  // The client names the transport it tries in a debug log line; the last one before "connected" is in use.
  const logger: ILogger = {
    log(level, message) {
      const match = /^Selecting transport '(\w+)'/.exec(message);
      if (match) selectedTransport = match[1];
      if (level >= LogLevel.Warning) console.warn(`[signalr] ${message}`);
    },
  };
  const connection: HubConnection = new HubConnectionBuilder()
    .withUrl(`${apiBaseUrl}/api`, {
      headers: { 'X-ZUMO-AUTH': token },
      withCredentials: false,
      ...(transport === 'auto' ? {} : { transport: HttpTransportType[transport] }),
    })
    .withAutomaticReconnect({
      nextRetryDelayInMilliseconds: (ctx) =>
        retryDelays[Math.min(ctx.previousRetryCount, retryDelays.length - 1)] ?? 5000,
    })
    .configureLogging(logger)
    .build();

  connection.on('orderStatus', (update: OrderView) => callbacks.onStatus(update));
  connection.onreconnecting(() => callbacks.onState('reconnecting', undefined));
  connection.onreconnected(() => {
    callbacks.onState('connected', selectedTransport);
    callbacks.onConnected();
  });

  let stopped = false;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;
  async function start(attempt: number): Promise<void> {
    if (stopped) return;
    callbacks.onState('connecting', undefined);
    try {
      await connection.start();
      callbacks.onState('connected', selectedTransport);
      callbacks.onConnected();
    } catch {
      if (stopped) return;
      callbacks.onState('disconnected', undefined);
      retryTimer = setTimeout(
        () => void start(attempt + 1),
        retryDelays[Math.min(attempt + 1, retryDelays.length - 1)],
      );
    }
  }
  // Automatic reconnect gives up only when the server closes without allowing it; start over then.
  connection.onclose(() => {
    if (stopped) return;
    callbacks.onState('disconnected', undefined);
    retryTimer = setTimeout(() => void start(1), 1000);
  });
  void start(0);

  return {
    async stop() {
      stopped = true;
      clearTimeout(retryTimer);
      if (connection.state !== HubConnectionState.Disconnected) await connection.stop();
    },
  };
}
