import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import chromiumLaunchOptions from '../../scripts/chromium.json' with { type: 'json' };
import { ORDER_PATH_SPANS } from '../support/orderTrace.js';
import { APP_DIR, OrdersClient, pollUntil, storeAcceptedOrder, useLocalStack } from '../support/stack.js';

// The dead-letter handler stays off, so a poison message waits on its dead-letter queue to be resubmitted.
const fixture = useLocalStack({
  webRoot: join(APP_DIR, 'web', 'dist'),
  env: { ...process.env, 'AzureWebJobs.orderDeadLetters.Disabled': 'true' },
});
let browser: Browser;
let inspector: Page;

beforeAll(async () => {
  browser = await chromium.launch(chromiumLaunchOptions);
  inspector = await (await browser.newContext()).newPage();
  // As the start-up banner prints it: the master key in the fragment, which the page keeps and hides.
  await inspector.goto(
    `${fixture.stack().urls.functions}/_local/#key=${encodeURIComponent(fixture.stack().masterKey)}`,
  );
  await inspector.locator('#live-state[data-state="live"]').waitFor();
  expect(new URL(inspector.url()).hash).toBe('');
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

async function signedInTab(userId: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${fixture.stack().urls.functions}/`);
  await page.fill('#signin-user', userId);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#connection-state[data-state="connected"]').waitFor();
  return page;
}

type Connection = { connectionId: string; userId?: string; transport?: string };

async function connectionsOf(userId: string): Promise<Connection[]> {
  const response = await fetch(`${fixture.stack().urls.functions}/_local/api/signalr`);
  return ((await response.json()) as { connections: Connection[] }).connections.filter((c) => c.userId === userId);
}

/** Shows the timeline's trace named `name` among those that mention `text`. */
async function openTrace(text: string, name: string): Promise<void> {
  await inspector.locator('#tab-timeline').click();
  await inspector.locator('#filter-text').fill(text);
  await inspector.locator('#trace-list li[data-trace-id]', { hasText: name }).locator('button').click();
}

const span = (name: string) => inspector.locator(`#trace-detail li.span[data-span-name="${name}"]`);

describe('the inspector in Chromium', () => {
  it("shows an order's whole path, down to the user's connections that got it, within a second", async () => {
    const shop = await signedInTab('alice');
    const secondTab = await shop.context().newPage();
    await secondTab.goto(`${fixture.stack().urls.functions}/`);
    await secondTab.locator('#connection-state[data-state="connected"]').waitFor();

    await shop.locator('.order-line select[name="sku"]').first().selectOption('MUG-CERAMIC');
    const answer = shop.waitForResponse((r) => r.url().endsWith('/api/orders') && r.request().method() === 'POST');
    await shop.getByRole('button', { name: 'Place order' }).click();
    const { orderId } = (await (await answer).json()) as { orderId: string };
    await inspector.locator('#filter-text').fill(orderId);
    await shop.locator(`#orders li[data-order-id="${orderId}"][data-status="Completed"]`).waitFor();
    // Within one second of the final status, the timeline lists the order's trace through to processOrder.
    const trace = inspector.locator('#trace-list li[data-trace-id]', { hasText: 'POST /api/orders' });
    await trace.filter({ hasText: 'processOrder' }).waitFor({ timeout: 1000 });

    await trace.locator('button').click();
    for (const name of ORDER_PATH_SPANS) {
      await span(name).waitFor();
    }
    await span('createOrder')
      .locator('[data-log-level]', { hasText: `Order ${orderId} accepted for user alice.` })
      .waitFor();
    await span('processOrder')
      .locator('[data-log-level]', { hasText: `Order ${orderId} is Completed` })
      .waitFor();
    await span('deliver orders/Subscriptions/order-processor').locator('[data-event="completed"]').waitFor();
    // Both of alice's connections (two tabs) got the message, and the waterfall names each.
    const connections = await connectionsOf('alice');
    expect(connections).toHaveLength(2);
    const delivered = span('SignalR sendToGroup').locator('[data-event="delivered"]');
    await expect.poll(() => delivered.count()).toBe(2);
    const lines = (await delivered.allTextContents()).join('\n');
    for (const c of connections) expect(lines).toContain(`connection ${c.connectionId} (user alice, ${c.transport})`);

    // The SignalR view lists the connections and the message with who got it.
    await inspector.locator('#tab-signalr').click();
    const rows = inspector.locator('#signalr-connections tbody tr', { hasText: 'alice' });
    await expect.poll(() => rows.count()).toBe(2);
    await inspector.locator('#signalr-messages tbody tr', { hasText: 'group user-alice' }).first().waitFor();
    await shop.context().close();
  });

  it('shows a poison message delivered five times and dead-lettered; resubmitted after the fix, it is processed', async () => {
    const stack = fixture.stack();
    const client = await OrdersClient.signIn(stack.urls.functions, 'poison-user');
    // A message naming an order that is not stored yet: processOrder fails on every delivery.
    const orderId = crypto.randomUUID();
    const message = {
      orderId,
      userId: 'poison-user',
      items: [{ sku: 'MUG-CERAMIC', quantity: 1 }],
      createdAt: new Date().toISOString(),
    };
    await inspector.locator('#tab-servicebus').click();
    await inspector.locator('#sb-send textarea').fill(JSON.stringify(message));
    await inspector.locator('#sb-send button[type="submit"]').click();
    await inspector.locator('#status', { hasText: 'Sent a message to orders.' }).waitFor();

    const dlq = 'orders/Subscriptions/order-processor/$DeadLetterQueue';
    const deadLetters = `${stack.urls.functions}/_local/api/servicebus/messages?entity=${encodeURIComponent(dlq)}`;
    // Each probe is a real request, so the stack runs between them.
    const onDeadLetterQueue = async () =>
      (await (await fetch(deadLetters)).text()).includes(orderId) ? true : undefined;
    await pollUntil(onDeadLetterQueue, { timeoutMs: 15_000, what: 'the poison message on the dead-letter queue' });
    await openTrace(orderId, 'send test message');
    await expect.poll(() => span('deliver orders/Subscriptions/order-processor').count()).toBe(5);
    expect(await span('deliver orders/Subscriptions/order-processor').locator('[data-event="abandoned"]').count()).toBe(
      5,
    );
    await span('dead-letter orders/Subscriptions/order-processor').locator('text=MaxDeliveryCountExceeded').waitFor();
    expect(
      await inspector.locator('#trace-detail li.span[data-span-name="processOrder"][data-status="error"]').count(),
    ).toBe(5);

    // The cause fixed (the order now exists), the dead letter goes back from the Service Bus view.
    await storeAcceptedOrder(stack.host.settings, 'poison-user', orderId);
    await inspector.locator('#tab-servicebus').click();
    await inspector.locator('#sb-refresh').click();
    await inspector.locator(`[data-peek="${dlq}"]`).click();
    const dead = inspector.locator('#sb-messages li.message', { hasText: orderId });
    await dead.locator('[data-resubmit]').click();
    await inspector.locator('#status', { hasText: 'Resubmitted to orders/Subscriptions/order-processor' }).waitFor();
    expect((await client.waitUntilFinal(orderId)).status).toBe('Completed');
    expect(await onDeadLetterQueue()).toBeUndefined();

    await openTrace(orderId, 'send test message');
    await span('resubmit orders/Subscriptions/order-processor/$DeadLetterQueue').waitFor();
    await expect.poll(() => span('deliver orders/Subscriptions/order-processor').count()).toBe(6);
    await inspector.locator('#trace-detail li.span[data-span-name="processOrder"][data-status="unset"]').waitFor();
  });

  it('runs a non-HTTP function now from the Functions view, through the admin API', async () => {
    const stack = fixture.stack();
    const client = await OrdersClient.signIn(stack.urls.functions, 'runner');
    const orderId = crypto.randomUUID();
    await storeAcceptedOrder(stack.host.settings, 'runner', orderId);
    const message = {
      orderId,
      userId: 'runner',
      items: [{ sku: 'MUG-CERAMIC', quantity: 1 }],
      createdAt: new Date().toISOString(),
    };
    await inspector.locator('#tab-functions').click();
    const processOrder = inspector.locator('article[data-function="processOrder"]');
    await processOrder.locator('textarea').fill(JSON.stringify(message));
    // The view redraws whenever something is recorded (here: a listOrders invocation); what was typed stays.
    const listOrders = inspector.locator('article[data-function="listOrders"] table.invocations tr');
    const before = await listOrders.count();
    await client.list();
    await expect.poll(() => listOrders.count()).toBeGreaterThan(before);
    expect(await processOrder.locator('textarea').inputValue()).toBe(JSON.stringify(message));
    await processOrder.locator('.run-now').click();
    await inspector.locator('#status', { hasText: 'processOrder was started' }).waitFor();
    expect((await client.waitUntilFinal(orderId)).status).toBe('Completed');
    await openTrace(orderId, 'POST /admin/functions/processOrder');
    await span('processOrder')
      .locator('[data-log-level]', { hasText: `Order ${orderId} is Completed` })
      .waitFor();
  });

  it('refuses actions without the master key, and says where the key is', async () => {
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${fixture.stack().urls.functions}/_local/`);
    await page.locator('#live-state[data-state="live"]').waitFor();
    await page.locator('#tab-servicebus').click();
    await page.locator('#sb-send button[type="submit"]').click();
    await page.locator('#status', { hasText: 'Enter the master key first' }).waitFor();
    await page.fill('#key-input', 'not-the-key');
    await page.locator('#key-form button').click();
    await page.locator('#sb-send button[type="submit"]').click();
    await page.locator('#status', { hasText: "need the host's master key in x-functions-key" }).waitFor();
    await page.context().close();
  });
});
