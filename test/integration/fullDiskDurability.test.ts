import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StackProcess } from '../support/cliStack.js';
import { OrdersClient } from '../support/stack.js';
import { untilAllSettled } from '../support/settledOrders.js';
import { tmpfsTestName, tmpfsUnavailable, withTmpfs, type Tmpfs } from '../support/tmpfs.js';

const USERS = ['full-ann', 'full-ben', 'full-cai', 'full-dee'];
const WORKERS = 8;
/** 202s in the first life before its SIGKILL, while the disk still has room. */
const ACCEPTED_BEFORE_FIRST_KILL = 60;
/** Bounds on the second life, which runs until the disk is full. */
const MAX_ORDERS = 1_500;
const MAX_FILL_MS = 40_000;

const running = new Set<StackProcess>();
const dirs: string[] = [];
const killAll = () => Promise.all([...running].map((p) => (p.alive ? p.kill() : undefined)));
afterAll(async () => {
  await killAll();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

type Accepted = { userId: string; orderId: string };
type Refusal = { status: number; contentType: string; retryAfter: string | null; body: string };

/**
 * Places orders from WORKERS concurrent clients until `stop` says so, then SIGKILLs the stack at that very
 * moment, with other requests still in flight. A request cut off by the kill counts as neither.
 */
async function orderStream(
  stackProcess: StackProcess,
  clients: OrdersClient[],
  stop: (accepted: number, refusals: Refusal[]) => boolean,
  accepted: Accepted[],
  refusals: Refusal[],
  beforeKill?: () => Promise<void>,
): Promise<void> {
  let done = false;
  let placed = 0;
  let inLife = 0;
  const worker = async (client: OrdersClient, userId: string) => {
    while (!done && placed++ < MAX_ORDERS) {
      let response: Response;
      let body: string;
      try {
        response = await client.request('POST', '/api/orders', { items: [{ sku: 'MUG-CERAMIC', quantity: 1 }] });
        body = await response.text();
      } catch (error) {
        if (done) return;
        throw new Error(`An order request failed while the stack was up: ${(error as Error).message}`);
      }
      if (done) return; // answered after the kill was decided: not counted either way
      if (response.status === 202) {
        accepted.push({ userId, orderId: (JSON.parse(body) as { orderId: string }).orderId });
        inLife++;
      } else {
        refusals.push({
          status: response.status,
          contentType: response.headers.get('content-type') ?? '',
          retryAfter: response.headers.get('retry-after'),
          body,
        });
      }
      if (!done && stop(inLife, refusals)) {
        done = true;
        await beforeKill?.();
        await stackProcess.kill();
      }
    }
  };
  await Promise.all(
    Array.from({ length: WORKERS }, (_, i) => worker(clients[i % clients.length]!, USERS[i % USERS.length]!)),
  );
  if (!done) await stackProcess.kill();
}

describe('the CLI stack on a full disk, under SIGKILL', () => {
  it.skipIf(tmpfsUnavailable)(
    tmpfsTestName(
      'refuses orders with problem+json while the disk is full and brings every order that got a 202 to a final status',
    ),
    () =>
      withTmpfs(2 * 1024 * 1024, async (disk) => {
        try {
          await fillKillAndSettle(disk);
        } finally {
          await killAll(); // before the tmpfs goes
        }
      }),
    120_000,
  );
});

async function fillKillAndSettle(disk: Tmpfs): Promise<void> {
  const dataDir = join(disk.dir, 'data');
  const accepted: Accepted[] = [];
  const refusals: Refusal[] = [];

  // Life 1, on the 2 MB tmpfs: kill -9 in the middle of a stream of orders.
  let { process: stack, functionsUrl } = await StackProcess.start(dataDir, running);
  const tokens = (await Promise.all(USERS.map((userId) => OrdersClient.signIn(functionsUrl, userId)))).map(
    (client) => client.token,
  );
  const clientsAt = (url: string) => tokens.map((token) => new OrdersClient(url, token));
  await orderStream(stack, clientsAt(functionsUrl), (n) => n >= ACCEPTED_BEFORE_FIRST_KILL, accepted, refusals);
  await stack.childrenGone();
  expect(refusals).toEqual([]);

  // Life 2, same tmpfs: orders until the disk is full and storage refuses them; then kill -9 again.
  ({ process: stack, functionsUrl } = await StackProcess.start(dataDir, running));
  const started = Date.now();
  let health: { status: number; body: { parts: { name: string; ready: boolean }[] } } | undefined;
  const healthUrl = `${functionsUrl}/_local/health`;
  await orderStream(
    stack,
    clientsAt(functionsUrl),
    // The broker's file may fill first (507s); orders go on until the table store refuses one too (503).
    (_n, seen) => Date.now() - started > MAX_FILL_MS || seen.some((r) => r.status === 503),
    accepted,
    refusals,
    async () => {
      const response = await fetch(healthUrl);
      health = { status: response.status, body: (await response.json()) as NonNullable<typeof health>['body'] };
    },
  );
  const fullLifeOutput = stack.output;
  await stack.childrenGone();
  expect(refusals.length, `no order was refused within ${MAX_FILL_MS} ms`).toBeGreaterThan(0);

  expectRefusalsWhileFull(refusals, fullLifeOutput);
  expect(health?.status).toBe(503);
  expect(health?.body.parts.find((part) => part.name === 'storage')?.ready).toBe(false);

  // Life 3, on a copy of the data dir where there is room: every order that got a 202 settles.
  const bigger = mkdtempSync(join(tmpdir(), 'full-disk-copy-'));
  dirs.push(bigger);
  cpSync(dataDir, bigger, { recursive: true });
  ({ process: stack, functionsUrl } = await StackProcess.start(bigger, running));
  const clients = clientsAt(functionsUrl);
  await untilAllSettled(
    clients,
    accepted.map((a) => a.orderId),
    30_000,
  );
  expect(new Set(accepted.map((a) => a.orderId)).size).toBe(accepted.length);
}

/**
 * While full, the app answers a refused table write 503 problem+json with Retry-After. An order whose table
 * write went through but whose Service Bus output could not be committed (SQLITE_FULL) fails its invocation in
 * the host: 507 problem+json, or an empty 500 from a host that does not map it yet — one logged failure each.
 */
function expectRefusalsWhileFull(refusals: Refusal[], output: string): void {
  const fromStorage = refusals.filter((r) => r.status === 503);
  expect(fromStorage.length).toBeGreaterThan(0);
  for (const refusal of fromStorage) {
    expect(refusal).toMatchObject({ contentType: 'application/problem+json', retryAfter: '5' });
    expect(JSON.parse(refusal.body)).toMatchObject({ status: 503, title: 'Service Unavailable' });
  }
  const fromOutput = refusals.filter((r) => r.status !== 503);
  // The host logs a failed output as "Exception: Error while handling parameter …: Service Bus store write failed: …".
  const outputFailures = (output.match(/Exception: .*Service Bus store write failed/g) ?? []).length;
  expect(fromOutput.length).toBeLessThanOrEqual(outputFailures);
  for (const refusal of fromOutput) {
    if (refusal.status === 500 && refusal.body === '') continue;
    expect(refusal).toMatchObject({
      status: 507,
      contentType: expect.stringMatching(/^application\/problem\+json/),
    });
  }
}
