import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HubConnectionState } from '@microsoft/signalr';
import type { HubConnection } from '@microsoft/signalr';
import { afterAll, describe, expect, it } from 'vitest';
import { OrdersClient, useLocalStack, withDeadline } from '../support/stack.js';
import { appHubConnection } from '../support/appHub.js';

// Durable on purpose: the SignalR state file is where a user id once became a property of Object.prototype.
const dataDir = mkdtempSync(join(tmpdir(), 'hostile-ids-'));
const { stack } = useLocalStack({ inMemory: false, dataDir });
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

/** Ids that are property names of every plain object, and the path segments a URL collapses. */
const HOSTILE_IDS = ['__proto__', 'constructor', 'prototype', 'hasOwnProperty', '.', '..'];
const WAIT_MS = 20_000;
const MUG = [{ sku: 'MUG-CERAMIC', quantity: 1 }];
const prototypeBefore = Object.getOwnPropertyNames(Object.prototype).sort();

type Update = { orderId: string; status: string; version: number };

/** A signed-in user with one hub connection (negotiated through the app), recording every orderStatus. */
class Session {
  readonly updates: Update[] = [];
  #waiters: { orderId: string; resolve: (u: Update) => void }[] = [];

  private constructor(
    readonly client: OrdersClient,
    readonly connection: HubConnection,
  ) {
    connection.on('orderStatus', (update: Update) => {
      this.updates.push(update);
      for (const waiter of this.#waiters.filter((w) => w.orderId === update.orderId && update.status !== 'Accepted')) {
        this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
        waiter.resolve(update);
      }
    });
  }

  static async open(userId: string): Promise<Session> {
    return Session.connect(await OrdersClient.signIn(stack().urls.functions, userId));
  }

  /**
   * Signs in and connects — or, should Easy Auth refuse the id, makes sure it did so clearly: 400 problem+json
   * naming userId (an id refused at sign-in is as safe as one that works). Undefined when refused.
   */
  static async openOrRefused(userId: string): Promise<Session | undefined> {
    const response = await fetch(`${stack().urls.functions}/.auth/login/dev`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ userId }),
    });
    if (response.status === 200) {
      const { authenticationToken } = (await response.json()) as { authenticationToken: string };
      return Session.connect(new OrdersClient(stack().urls.functions, authenticationToken));
    }
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(await response.text()).toMatch(/userId/);
    return undefined;
  }

  static async connect(client: OrdersClient): Promise<Session> {
    const connection = appHubConnection(client);
    const session = new Session(client, connection);
    await connection.start();
    return session;
  }

  /** Places one order and resolves with the final orderStatus this session hears for it. */
  async placeAndHear(): Promise<Update> {
    const orderId = await this.client.place(MUG);
    const heard = this.updates.find((u) => u.orderId === orderId && u.status !== 'Accepted');
    const final = heard ?? new Promise<Update>((resolve) => this.#waiters.push({ orderId, resolve }));
    return withDeadline(Promise.resolve(final), WAIT_MS, `orderStatus of ${orderId}`);
  }

  async close(): Promise<void> {
    if (this.connection.state !== HubConnectionState.Disconnected) await this.connection.stop();
  }
}

describe('user ids that are property names or dot segments', () => {
  const sessions: Session[] = [];
  afterAll(async () => {
    await Promise.all(sessions.map((s) => s.close()));
  });

  it.each(HOSTILE_IDS)('%j runs the whole order flow, and a normal user is unaffected', async (userId) => {
    const carol = await Session.open(`carol-${HOSTILE_IDS.indexOf(userId)}`);
    sessions.push(carol);
    const hostile = await Session.openOrRefused(userId);
    if (hostile) sessions.push(hostile);

    const own = await hostile?.placeAndHear();
    if (hostile && own) {
      expect(own).toMatchObject({ status: 'Completed', version: 2 });
      expect((await hostile.client.list()).map((o) => o.orderId)).toEqual([own.orderId]);
    }

    const carols = await carol.placeAndHear();
    expect(carols).toMatchObject({ status: 'Completed', version: 2 });
    expect((await carol.client.list()).map((o) => o.orderId)).toEqual([carols.orderId]);
    expect(carol.updates.some((u) => u.orderId === own?.orderId)).toBe(false);
    expect(hostile?.updates.some((u) => u.orderId === carols.orderId) ?? false).toBe(false);
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
  });

  it('keeps their group memberships across a SignalR restart (the state file loads them back)', async () => {
    await stack().restartSignalR();
    for (const userId of HOSTILE_IDS) {
      const session = await Session.openOrRefused(userId);
      if (!session) continue;
      sessions.push(session);
      expect(await session.placeAndHear()).toMatchObject({ status: 'Completed' });
    }
    expect(Object.getOwnPropertyNames(Object.prototype).sort()).toEqual(prototypeBefore);
  });
});
