import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll } from 'vitest';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../../local/stack/index.js';
import { newOrder } from '../../src/orders/order.js';
import { OrderStore } from '../../src/orders/orderStore.js';
import { tableClientFromSettings } from '../../src/platform/tableStorage.js';
import { CaptureLogger } from '../host/helpers/captureLogger.js';

/** The repository root: the app folder the stack loads (the worker loads its bundle, dist/src/bundle/functions.js). */
export const APP_DIR = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The committed sample's settings (every connection string in its local-emulator form). Tests pass them as real
 * environment variables, which win over local.settings.json, so a developer's own settings — possibly naming
 * real Azure resources — never reach a test.
 */
export const EMULATOR_SETTINGS: Readonly<Record<string, string>> = (
  JSON.parse(readFileSync(new URL('../../local.settings.sample.json', import.meta.url), 'utf8')) as {
    Values: Record<string, string>;
  }
).Values;

export type StackFixture = { stack(): LocalStack; logger: CaptureLogger };

/**
 * Starts the whole local stack for the current test file (every port free, in memory, no web client, logs
 * captured) in `beforeAll` and disposes of it in `afterAll`. The host is one per process, so call this once per
 * file, at the top level. Needs `npm run build` first: the stack loads the compiled app.
 */
export function useLocalStack(options: Omit<LocalStackOptions, 'logger'> = {}): StackFixture {
  const logger = new CaptureLogger();
  let handle: LocalStack | undefined;
  beforeAll(async () => {
    handle = await startLocalStack({
      appDir: APP_DIR,
      port: 0,
      signalrPort: 0,
      azuritePort: 0,
      servicebusPort: 0,
      blobPort: 0,
      queuePort: 0,
      inMemory: true,
      webRoot: false,
      watch: false,
      ...options,
      env: { ...(options.env ?? process.env), ...EMULATOR_SETTINGS },
      logger,
    });
  });
  afterAll(async () => {
    await handle?.dispose();
  });
  return {
    logger,
    stack() {
      if (!handle) throw new Error('The local stack is not running yet: use it inside a test or a later hook.');
      return handle;
    },
  };
}

/** Signs in through the Easy Auth emulation and returns the session token to send as `X-ZUMO-AUTH`. */
export async function signIn(baseUrl: string, userId: string): Promise<string> {
  const response = await fetch(`${baseUrl}/.auth/login/dev`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId }),
  });
  if (response.status !== 200)
    throw new Error(`Sign-in as ${userId} answered ${response.status}: ${await response.text()}`);
  const { authenticationToken } = (await response.json()) as { authenticationToken: string };
  return authenticationToken;
}

export type OrderItem = { sku: string; quantity: number };

/** An order as GET /api/orders/{id} shows it. */
export type OrderView = {
  orderId: string;
  status: 'Accepted' | 'Completed' | 'Rejected' | 'Failed';
  version: number;
  items: OrderItem[];
  total?: number;
  reason?: string;
  createdAt: string;
  updatedAt: string;
};

export const FINAL_STATUSES: readonly string[] = ['Completed', 'Rejected', 'Failed'];

/** The order API as one signed-in user calls it over HTTP. */
export class OrdersClient {
  constructor(
    readonly baseUrl: string,
    readonly token: string,
  ) {}

  static async signIn(baseUrl: string, userId: string): Promise<OrdersClient> {
    return new OrdersClient(baseUrl, await signIn(baseUrl, userId));
  }

  /** POST /api/orders; returns the new order id, and throws unless the answer is 202. */
  async place(items: OrderItem[]): Promise<string> {
    const response = await this.request('POST', '/api/orders', { items });
    const body = await response.text();
    if (response.status !== 202) throw new Error(`POST /api/orders answered ${response.status}: ${body}`);
    return (JSON.parse(body) as { orderId: string }).orderId;
  }

  /** GET /api/orders/{id}: the order, or undefined on 404. */
  async get(orderId: string): Promise<OrderView | undefined> {
    const response = await this.request('GET', `/api/orders/${orderId}`);
    if (response.status === 404) {
      await response.arrayBuffer();
      return undefined;
    }
    if (response.status !== 200) throw new Error(`GET /api/orders/${orderId} answered ${response.status}`);
    return (await response.json()) as OrderView;
  }

  /** Every order of the user: GET /api/orders, following each page's `next` link. */
  async list(): Promise<OrderView[]> {
    const orders: OrderView[] = [];
    for (let path: string | undefined = '/api/orders?top=200'; path !== undefined;) {
      const response = await this.request('GET', path);
      if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}`);
      const page = (await response.json()) as { orders: OrderView[]; next?: string };
      orders.push(...page.orders);
      path = page.next === undefined ? undefined : `${new URL(page.next).pathname}${new URL(page.next).search}`;
    }
    return orders;
  }

  /** Polls GET /api/orders/{id} until the order is in a final status. */
  async waitUntilFinal(orderId: string, timeoutMs = 15_000): Promise<OrderView> {
    return await pollUntil(
      async () => {
        const order = await this.get(orderId);
        return order && FINAL_STATUSES.includes(order.status) ? order : undefined;
      },
      { timeoutMs, what: `order ${orderId} to reach a final status` },
    );
  }

  request(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Response> {
    return fetch(`${this.baseUrl}${path}`, {
      method,
      headers: {
        'x-zumo-auth': this.token,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  }
}

/**
 * Asks `probe` again and again — each ask is a real request, so nothing here sleeps — until it returns a value or
 * the deadline passes; then fails saying what it was waiting for.
 */
export async function pollUntil<T>(
  probe: () => Promise<T | undefined>,
  { timeoutMs, what }: { timeoutMs: number; what: string },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
  }
}

/**
 * Resolves as `promise` does, or rejects naming `what` once `timeoutMs` passes first — a bound on an event wait,
 * so a missing event fails with a clear message rather than the test runner's generic timeout.
 */
export async function withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Stores an `Accepted` order through the app's own store, with the stack's effective settings (so into its
 * Azurite), as createOrder would have before sending the order's message.
 */
export async function storeAcceptedOrder(
  settings: Readonly<Record<string, string>>,
  userId: string,
  orderId: string,
): Promise<void> {
  const store = new OrderStore(await tableClientFromSettings({ ...settings }));
  await store.table.createTable();
  await store.create(newOrder({ orderId, userId, items: [{ sku: 'MUG-CERAMIC', quantity: 1 }], now: new Date() }));
}

/** A topic message that names an order (so the dead-letter handler can fail it) but that processOrder refuses. */
export function malformedOrderMessage(orderId: string, userId: string): unknown {
  return { orderId, userId, items: 'one mug', createdAt: 'yesterday' };
}

/** What GET /_local/servicebus answers. */
export type ServiceBusView = {
  entities: {
    path: string;
    kind: 'queue' | 'subscription' | 'deadLetter';
    active: number;
    locked: number;
    deadLetter: number;
    deadLetters?: { messageId: string; deliveryCount: number; reason?: string; description?: string }[];
  }[];
};
