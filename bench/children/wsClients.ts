// Bench child: thousands of cheap WebSocket clients in one process (figures 4 and 5), apart from the server.
import type { WebSocket } from 'ws';
import { createSignalRRestClient, type SignalRRestClient } from '../../local/signalr/index.js';
import { runPool } from '../lib/pool.js';
import { serveRpc } from '../lib/rpc.js';
import { clientToken, connectPlain, connectSignalR, DeliveryCounter, PING } from '../lib/signalrClient.js';
import { nowMs } from '../lib/stats.js';
import type { WsServerKind } from './wsServer.js';

export const HUB = 'bench';
const GROUP = 'fanout';
// The service drops clients silent for 30 s; idle clients ping as the real client does (every 15 s), plain ones
// too, so both servers' sockets receive the same traffic.
const PING_INTERVAL_MS = 10_000;
const OPEN_CONCURRENCY = 64;

type Target = { kind: WsServerKind; port: number; accessKey?: string };

const sockets: WebSocket[] = [];
const counter = new DeliveryCounter();
let target: Target | undefined;
let rest: SignalRRestClient | undefined;
const pinger = setInterval(() => {
  for (const socket of sockets) socket.send(PING);
}, PING_INTERVAL_MS);

const endpoint = (port: number): string => `http://127.0.0.1:${port}`;
const userId = (i: number): string => `user-${i}`;

/** The invocation frame figure 5 delivers: an orderStatus like the app's. */
export const FANOUT_MESSAGE = {
  target: 'orderStatus',
  arguments: [{ orderId: '0b7e4c1e-3f1e-4a8e-9d55-1c2b3a4d5e6f', status: 'Completed', version: 2, total: 12.5 }],
};
const FANOUT_FRAME = `${JSON.stringify({ type: 1, ...FANOUT_MESSAGE })}\x1e`;

export const wsClientsApi = {
  /** Opens connections until `total` are open (user-<i> each); returns how long the new ones took. */
  async openUpTo(options: Target & { total: number }): Promise<{ open: number; elapsedMs: number }> {
    target = options;
    const onFrame = (data: Buffer): void => counter.onFrame(data);
    const start = nowMs();
    const first = sockets.length;
    const opened = await runPool(options.total - first, OPEN_CONCURRENCY, async (i) =>
      options.kind === 'signalr'
        ? connectSignalR({
            endpoint: endpoint(options.port),
            hub: HUB,
            accessToken: await clientToken(endpoint(options.port), options.accessKey!, HUB, userId(first + i)),
            onFrame,
          })
        : connectPlain(`ws://127.0.0.1:${options.port}/`, onFrame),
    );
    sockets.push(...opened);
    return { open: sockets.length, elapsedMs: nowMs() - start };
  },

  /** Puts every connected user in the fan-out group (SignalR REST, user-group membership). */
  async joinGroup(): Promise<void> {
    if (target?.kind !== 'signalr') return;
    const client = restClient();
    await runPool(sockets.length, 16, (i) => client.addUserToGroup(HUB, GROUP, userId(i)));
  },

  /**
   * Sends `sends` messages, each to every connection (`broadcast`, or `group` with all of them in it), at most
   * `inFlight` requests at once, and waits until every copy arrived.
   */
  async fanOut(options: { mode: 'broadcast' | 'group'; sends: number; inFlight: number; timeoutMs: number }) {
    const expected = counter.count + options.sends * sockets.length;
    const send = sender(options.mode);
    const start = nowMs();
    await runPool(options.sends, options.inFlight, send);
    const complete = await counter.waitFor(expected, options.timeoutMs);
    const elapsedMs = nowMs() - start;
    const delivered = options.sends * sockets.length - (expected - counter.count);
    return { delivered, complete, elapsedMs, perSecond: (delivered / elapsedMs) * 1000 };
  },
};
export type WsClientsApi = typeof wsClientsApi;

function restClient(): SignalRRestClient {
  rest ??= createSignalRRestClient(
    `Endpoint=http://127.0.0.1;Port=${target!.port};AccessKey=${target!.accessKey};Version=1.0;`,
  );
  return rest;
}

function sender(mode: 'broadcast' | 'group'): () => Promise<void> {
  if (target?.kind === 'signalr') {
    const client = restClient();
    return mode === 'broadcast'
      ? () => client.sendToAll(HUB, FANOUT_MESSAGE)
      : () => client.sendToGroup(HUB, GROUP, FANOUT_MESSAGE);
  }
  const url = `${endpoint(target!.port)}/broadcast`;
  return async () => {
    const response = await fetch(url, { method: 'POST', body: FANOUT_FRAME });
    await response.arrayBuffer();
    if (response.status !== 202) throw new Error(`bare broadcast answered ${response.status}`);
  };
}

serveRpc(wsClientsApi, async () => {
  clearInterval(pinger);
  for (const socket of sockets) socket.terminate();
});
