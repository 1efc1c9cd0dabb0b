// Regenerates docs/inspector-*.png: each view of the local inspector after a few orders and a poison message, in
// headless Chromium (npm run build first).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startLocalStack } from '../dist/local/stack/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const sample = JSON.parse(readFileSync(new URL('../local.settings.sample.json', import.meta.url), 'utf8')).Values;
const stack = await startLocalStack({
  appDir: root,
  port: 0,
  signalrPort: 0,
  azuritePort: 0,
  inMemory: true,
  logger: { log() {} },
  // The dead letter stays on its queue, so the Service Bus view can show it with its Resubmit button.
  env: { ...process.env, ...sample, 'AzureWebJobs.orderDeadLetters.Disabled': 'true' },
});
const launchOptions = JSON.parse(readFileSync(new URL('./chromium.json', import.meta.url), 'utf8'));
const browser = await chromium.launch(launchOptions);
const base = stack.urls.functions;

const inspector = await browser.newPage({ viewport: { width: 1400, height: 900 } });
await inspector.goto(`${base}/_local/#key=${encodeURIComponent(stack.masterKey)}`);
await inspector.locator('#live-state[data-state="live"]').waitFor();

const shop = await browser.newPage({ viewport: { width: 900, height: 900 } });
await shop.goto(`${base}/`);
await shop.fill('#signin-user', 'alice');
await shop.getByRole('button', { name: 'Sign in' }).click();
await shop.locator('#connection-state[data-state="connected"]').waitFor();
let firstOrder;
for (const [sku, quantity] of [
  ['COFFEE-BEANS-1KG', '2'],
  ['KETTLE-GOOSENECK', '1'],
]) {
  await shop.locator('select[name="sku"]').first().selectOption(sku);
  await shop.locator('input[name="quantity"]').first().fill(quantity);
  const answer = shop.waitForResponse((r) => r.url().endsWith('/api/orders') && r.request().method() === 'POST');
  await shop.getByRole('button', { name: 'Place order' }).click();
  const { orderId } = await (await answer).json();
  firstOrder ??= orderId;
  await shop.locator(`li[data-order-id="${orderId}"]:not([data-status="Accepted"])`).waitFor();
}

// A poison message, sent from the Service Bus view: processOrder refuses it five times, then it is dead-lettered.
await inspector.locator('#tab-servicebus').click();
await inspector
  .locator('#sb-send textarea')
  .fill(JSON.stringify({ orderId: 'not-an-order', items: 'one mug' }, null, 2));
await inspector.locator('#sb-send button[type="submit"]').click();
const dlq = 'orders/Subscriptions/order-processor/$DeadLetterQueue';
await inspector.locator(`[data-peek="${dlq}"]`).waitFor();
for (;;) {
  const stats = stack.broker.stats().find((s) => s.path === dlq);
  if (stats && stats.active > 0) break;
  await inspector.waitForTimeout(100);
}
await inspector.locator('#sb-refresh').click();
await inspector.locator(`[data-peek="${dlq}"]`).click();
await inspector.locator('[data-resubmit]').first().waitFor();
await inspector.screenshot({ path: `${root}docs/inspector-servicebus.png`, fullPage: true });

await inspector.locator('#tab-timeline').click();
await inspector.locator('#filter-text').fill(firstOrder);
await inspector.locator('#trace-list li[data-trace-id]', { hasText: 'POST /api/orders' }).locator('button').click();
await inspector
  .locator('#trace-detail [data-span-name="SignalR sendToGroup"] [data-event="delivered"]')
  .first()
  .waitFor();
await inspector.screenshot({ path: `${root}docs/inspector-timeline.png`, fullPage: true });

for (const view of ['functions', 'signalr', 'storage']) {
  await inspector.locator(`#tab-${view}`).click();
  await inspector.locator(`#view-${view} table`).first().waitFor();
  await inspector.screenshot({ path: `${root}docs/inspector-${view}.png`, fullPage: true });
}
await browser.close();
await stack.dispose();
