// Regenerates docs/web-client.png: the web client with a few orders, in headless Chromium (npm run build first).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startLocalStack } from '../dist/local/stack/index.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const stack = await startLocalStack({
  appDir: root,
  port: 0,
  signalrPort: 0,
  azuritePort: 0,
  servicebusPort: 0,
  inMemory: true,
  logger: { log() {} },
});
// Debian's Chromium with the flags this machine needs (shared with the e2e tests).
const launchOptions = JSON.parse(readFileSync(new URL('./chromium.json', import.meta.url), 'utf8'));
const browser = await chromium.launch(launchOptions);
const page = await browser.newPage({ viewport: { width: 900, height: 900 } });
await page.goto(stack.urls.functions + '/');
await page.fill('#signin-user', 'alice');
await page.getByRole('button', { name: 'Sign in' }).click();
await page.locator('#connection-state[data-state="connected"]').waitFor();
for (const [sku, q] of [
  ['COFFEE-BEANS-1KG', '2'],
  ['KETTLE-GOOSENECK', '1'],
  ['MUG-CERAMIC', '4'],
]) {
  await page.locator('select[name="sku"]').first().selectOption(sku);
  await page.locator('input[name="quantity"]').first().fill(q);
  const r = page.waitForResponse((r) => r.url().endsWith('/api/orders') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Place order' }).click();
  const { orderId } = await (await r).json();
  await page.locator(`li[data-order-id="${orderId}"]:not([data-status="Accepted"])`).waitFor();
}
await page.screenshot({ path: `${root}docs/web-client.png`, fullPage: true });
await browser.close();
await stack.dispose();
