import {
  HttpTransportType,
  HubConnectionBuilder,
  HubConnectionState,
  LogLevel,
  type HubConnection,
} from '@microsoft/signalr';
import { afterEach, describe, expect, it } from 'vitest';
import { FINAL_STATUSES, OrdersClient, useLocalStack, withDeadline, type OrderItem } from '../support/stack.js';

const { stack } = useLocalStack();

const TRANSPORTS = [
  ['WebSockets', HttpTransportType.WebSockets],
  ['ServerSentEvents', HttpTransportType.ServerSentEvents],
  ['LongPolling', HttpTransportType.LongPolling],
] as const;

const WAIT_MS = 20_000;
// Quick retries: the restarted service is back within milliseconds, and a test should not idle for seconds.
const RECONNECT_DELAYS_MS = [0, 50, 100, 200, 400, 800, 1600, 3200];

type OrderStatusUpdate = { orderId: string; status: string; version: number; total?: number; reason?: string };

/** One browser-tab-like session: a signed-in user's hub connection that records every `orderStatus` it gets. */
class Session {
  readonly updates: OrderStatusUpdate[] = [];
  #waiters: { done: () => boolean; resolve: () => void }[] = [];

  constructor(
    readonly userId: string,
    readonly connection: HubConnection,
  ) {
    connection.on('orderStatus', (update: OrderStatusUpdate) => {
      this.updates.push(update);
      this.#waiters = this.#waiters.filter((w) => (w.done() ? (w.resolve(), false) : true));
    });
  }

  /** Ids of the orders this session heard reach a final status. */
  finalOrderIds(): Set<string> {
    return new Set(this.updates.filter((u) => FINAL_STATUSES.includes(u.status)).map((u) => u.orderId));
  }

  heardOrderIds(): Set<string> {
    return new Set(this.updates.map((u) => u.orderId));
  }

  /** Resolves once every one of `orderIds` has been heard in a final status. */
  heardFinal(orderIds: string[]): Promise<void> {
    const done = (): boolean => orderIds.every((id) => this.finalOrderIds().has(id));
    const heard = done() ? Promise.resolve() : new Promise<void>((resolve) => this.#waiters.push({ done, resolve }));
    return withDeadline(heard, WAIT_MS, `${this.userId} to hear orders ${orderIds.join(', ')} finish`);
  }
}

const connections: HubConnection[] = [];
afterEach(async () => {
  await Promise.all(
    connections.splice(0).map((c) => (c.state === HubConnectionState.Disconnected ? undefined : c.stop())),
  );
});

/** Connects as the app's browser client does: negotiate on the Functions host, redirected to the SignalR service. */
async function openSession(client: OrdersClient, userId: string, transport: HttpTransportType): Promise<Session> {
  const connection = new HubConnectionBuilder()
    .withUrl(`${client.baseUrl}/api`, { headers: { 'X-ZUMO-AUTH': client.token }, transport })
    .withAutomaticReconnect(RECONNECT_DELAYS_MS)
    .configureLogging(LogLevel.None)
    .build();
  connections.push(connection);
  const session = new Session(userId, connection);
  await connection.start();
  return session;
}

/** Each user places `count` orders, all users at once and each user's orders concurrently too. */
async function placeConcurrently(clients: Map<string, OrdersClient>, count: number): Promise<Map<string, string[]>> {
  const items: OrderItem[] = [{ sku: 'MUG-CERAMIC', quantity: 1 }];
  const placed = await Promise.all(
    [...clients].map(async ([userId, client]) => {
      const ids = await Promise.all(Array.from({ length: count }, () => client.place(items)));
      return [userId, ids] as const;
    }),
  );
  return new Map(placed);
}

/** Every session hears every order of its user finish, and nothing about anybody else's orders. */
async function expectEachSessionHearsOnlyItsOwn(sessions: Session[], ordersByUser: Map<string, string[]>) {
  await Promise.all(sessions.map((s) => s.heardFinal(ordersByUser.get(s.userId)!)));
  for (const session of sessions) {
    const others = [...ordersByUser].filter(([userId]) => userId !== session.userId).flatMap(([, ids]) => ids);
    const heard = session.heardOrderIds();
    expect(
      others.filter((id) => heard.has(id)),
      `${session.userId} heard other users' orders`,
    ).toEqual([]);
  }
}

describe.each(TRANSPORTS)('orderStatus notifications over %s', (name, transport) => {
  it("reach every session of the order's owner and nobody else, before and after a SignalR restart", async () => {
    const s = stack();
    const userIds = [`alice-${name}`, `bob-${name}`];
    const clients = new Map(
      await Promise.all(userIds.map(async (id) => [id, await OrdersClient.signIn(s.urls.functions, id)] as const)),
    );
    const sessions = await Promise.all(
      userIds.flatMap((id) => [
        openSession(clients.get(id)!, id, transport),
        openSession(clients.get(id)!, id, transport),
      ]),
    );

    const firstRound = await placeConcurrently(clients, 3);
    await expectEachSessionHearsOnlyItsOwn(sessions, firstRound);
    for (const session of sessions) {
      const own = session.updates.filter((u) => firstRound.get(session.userId)!.includes(u.orderId));
      expect(own.every((u) => u.status === 'Completed' && u.version === 2 && u.total === 9.5)).toBe(true);
    }

    const before = sessions.map((session) => session.connection.connectionId);
    const reconnected = sessions.map(
      (session) => new Promise<string | undefined>((resolve) => session.connection.onreconnected((id) => resolve(id))),
    );
    await s.restartSignalR();
    const after = await withDeadline(Promise.all(reconnected), WAIT_MS, 'every session to reconnect');
    for (const [i, id] of after.entries()) {
      expect(id).toEqual(expect.any(String));
      expect(id).not.toBe(before[i]);
    }
    expect(sessions.every((session) => session.connection.state === HubConnectionState.Connected)).toBe(true);

    const secondRound = await placeConcurrently(clients, 2);
    await expectEachSessionHearsOnlyItsOwn(sessions, secondRound);
    await expectEachSessionHearsOnlyItsOwn(sessions, firstRound);
  });
});
