// Bench child: N signed-in SignalR clients plus an open-loop order sender in one process, so the time from
// sending POST /api/orders to receiving that order's `orderStatus` is measured on one clock.
import type { WebSocket } from 'ws';
import { negotiate, ORDER_BODY, signIn } from '../lib/appClient.js';
import { encodeRequest, HttpConnection } from '../lib/httpClient.js';
import { openLoop } from '../lib/load.js';
import { runPool } from '../lib/pool.js';
import { serveRpc } from '../lib/rpc.js';
import { connectSignalR, PING } from '../lib/signalrClient.js';
import { nowMs, percentiles, type Percentiles } from '../lib/stats.js';

const RS = '\x1e';
const MAX_CONNECTIONS = 256;
const PING_INTERVAL_MS = 10_000;

type User = { token: string; order: Buffer };
type Waiter = { intendedAt: number; resolve(): void };

const sockets: WebSocket[] = [];
let users: User[] = [];
const waiting = new Map<string, Waiter>();
/** Statuses that beat their POST's response: orderId → arrival time. */
const early = new Map<string, number>();
const latencies: number[] = [];
/** Scheduled send → 202, the part of the latency the caller waits for anyway. */
const postLatencies: number[] = [];
let refused = 0;
const idle: HttpConnection[] = [];
let open = 0;
const queue: ((connection: HttpConnection) => void)[] = [];
let functionsUrl = '';

const pinger = setInterval(() => sockets.forEach((socket) => socket.send(PING)), PING_INTERVAL_MS);

function onFrame(data: Buffer): void {
  const arrivedAt = nowMs();
  for (const record of data.toString().split(RS)) {
    if (!record.includes('"orderStatus"')) continue;
    const message = JSON.parse(record) as { target?: string; arguments?: [{ orderId: string }] };
    const orderId = message.arguments?.[0]?.orderId;
    if (message.target !== 'orderStatus' || !orderId) continue;
    const waiter = waiting.get(orderId);
    if (waiter) {
      waiting.delete(orderId);
      latencies.push(arrivedAt - waiter.intendedAt);
      waiter.resolve();
    } else early.set(orderId, arrivedAt);
  }
}

async function acquire(): Promise<HttpConnection> {
  let connection = idle.pop();
  // The server closes keep-alive connections idle for 5 s (between rates): those no longer count as open.
  while (connection?.closed) {
    open--;
    connection = idle.pop();
  }
  if (connection) return connection;
  if (open < MAX_CONNECTIONS) {
    open++;
    return HttpConnection.open(functionsUrl).catch((error: unknown) => {
      open--;
      throw error;
    });
  }
  return new Promise((resolve) => queue.push(resolve));
}

function release(connection: HttpConnection): void {
  if (connection.closed) {
    open--;
    return;
  }
  const next = queue.shift();
  if (next) next(connection);
  else idle.push(connection);
}

/** One order: POST as the next user, then wait for its orderStatus. */
async function placeOrder(user: User, intendedAt: number): Promise<void> {
  const connection = await acquire();
  let body: string;
  try {
    const response = await connection.send(user.order);
    if (response.status === 429) refused++;
    if (response.status !== 202) throw new Error(`POST /api/orders answered ${response.status}: ${response.body}`);
    body = response.body;
    postLatencies.push(nowMs() - intendedAt);
  } finally {
    release(connection);
  }
  const { orderId } = JSON.parse(body) as { orderId: string };
  const arrived = early.get(orderId);
  if (arrived !== undefined) {
    early.delete(orderId);
    latencies.push(arrived - intendedAt);
    return;
  }
  await new Promise<void>((resolve) => waiting.set(orderId, { intendedAt, resolve }));
}

export type RateResult = {
  rate: number;
  sent: number;
  failed: number;
  /** Of the failed, those the host refused with 429 (host.json request limits): turned away, not lost. */
  refused: number;
  lost: number;
  latencyMs: Percentiles;
  postLatencyMs: Percentiles;
};

export const endToEndApi = {
  /** Signs in `clients` users and connects one SignalR client each, as the web client does. */
  async connect(options: { functionsUrl: string; clients: number }): Promise<{ elapsedMs: number }> {
    functionsUrl = options.functionsUrl;
    const start = nowMs();
    users = await runPool(options.clients, 32, async (i) => {
      const token = await signIn(functionsUrl, `bench-user-${i}`);
      const info = await negotiate(functionsUrl, token);
      const url = new URL(info.url);
      sockets.push(
        await connectSignalR({
          endpoint: url.origin,
          hub: url.searchParams.get('hub')!,
          accessToken: info.accessToken,
          onFrame,
        }),
      );
      const order = encodeRequest({
        method: 'POST',
        url: `${functionsUrl}/api/orders`,
        headers: { 'X-ZUMO-AUTH': token, 'Content-Type': 'application/json' },
        body: ORDER_BODY,
      });
      return { token, order };
    });
    return { elapsedMs: nowMs() - start };
  },

  /** Orders at `rate` per second for `seconds`, spread over the users; latency from scheduled send to status. */
  async run(options: { rate: number; seconds: number; drainMs: number }): Promise<RateResult> {
    latencies.length = 0;
    postLatencies.length = 0;
    refused = 0;
    let next = 0;
    const outcome = await openLoop({
      ratePerSecond: options.rate,
      durationMs: options.seconds * 1000,
      drainMs: options.drainMs,
      start: (intendedAt) => placeOrder(users[next++ % users.length]!, intendedAt),
    });
    // Whatever is still unanswered is given up, so the next rate starts clean.
    for (const waiter of waiting.values()) waiter.resolve();
    waiting.clear();
    early.clear();
    return {
      rate: options.rate,
      sent: outcome.started,
      failed: outcome.failed,
      refused,
      lost: outcome.lost,
      latencyMs: percentiles(latencies),
      postLatencyMs: percentiles(postLatencies),
    };
  },
};
export type EndToEndApi = typeof endToEndApi;

serveRpc(endToEndApi, async () => {
  clearInterval(pinger);
  for (const socket of sockets) socket.terminate();
  for (const connection of idle) connection.close();
});
