import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page, type Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import chromiumLaunchOptions from '../../scripts/chromium.json' with { type: 'json' };
import { APP_DIR, useLocalStack } from '../support/stack.js';

const fixture = useLocalStack({ webRoot: join(APP_DIR, 'web', 'dist') });
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  // Debian's Chromium with the flags this machine needs (scripts/chromium.json, shared with the screenshot
  // script); Playwright gives every launch a fresh, temporary user-data dir of its own.
  browser = await chromium.launch(chromiumLaunchOptions);
}, 120_000);

afterAll(async () => {
  for (const context of contexts) await context.close().catch(() => undefined);
  await browser?.close();
});

/** A browser profile of its own per user: tabs in one context share the sign-in, as tabs of one browser do. */
async function newUser(): Promise<BrowserContext> {
  const context = await browser.newContext();
  contexts.push(context);
  return context;
}

async function openTab(context: BrowserContext, userId: string, query = ''): Promise<Page> {
  const page = await context.newPage();
  await page.goto(`${fixture.stack().urls.functions}/${query}`);
  const signIn = page.locator('#signin-user');
  const workspace = page.locator('#workspace');
  await expect.poll(async () => (await signIn.isVisible()) || (await workspace.isVisible())).toBe(true);
  if (await signIn.isVisible()) {
    await signIn.fill(userId);
    await page.getByRole('button', { name: 'Sign in' }).click();
  }
  await page.locator('#signed-in-user', { hasText: userId }).waitFor();
  await connected(page);
  return page;
}

const connected = (page: Page) => page.locator('#connection-state[data-state="connected"]').waitFor();

/** Places an order through the form and returns its id, taken from the API's answer. */
async function placeOrder(page: Page, sku: string, quantity: string): Promise<string> {
  await page.locator('.order-line select[name="sku"]').first().selectOption(sku);
  await page.locator('.order-line input[name="quantity"]').first().fill(quantity);
  const response = page.waitForResponse((r) => r.url().endsWith('/api/orders') && r.request().method() === 'POST');
  await page.getByRole('button', { name: 'Place order' }).click();
  const answer = await response;
  expect(answer.status()).toBe(202);
  return ((await answer.json()) as { orderId: string }).orderId;
}

const orderRow = (page: Page, orderId: string, status: string) =>
  page.locator(`#orders li[data-order-id="${orderId}"][data-status="${status}"]`);

describe('browser client against the local stack', () => {
  it('updates every tab of the ordering user live, and no other user', async () => {
    const alice = await newUser();
    const bob = await newUser();
    const aliceTabs = [await openTab(alice, 'alice'), await openTab(alice, 'alice')];
    const bobTabs = [await openTab(bob, 'bob'), await openTab(bob, 'bob')];

    const aliceOrder = await placeOrder(aliceTabs[0]!, 'MUG-CERAMIC', '2');
    const bobOrder = await placeOrder(bobTabs[1]!, 'TEA-SENCHA-250G', '1');
    for (const tab of aliceTabs) await orderRow(tab, aliceOrder, 'Completed').waitFor();
    for (const tab of bobTabs) await orderRow(tab, bobOrder, 'Completed').waitFor();
    // The second tab of each user never placed anything: only SignalR can have told it.
    expect(await aliceTabs[1]!.locator(`li[data-order-id="${aliceOrder}"] .total`).textContent()).toMatch(/19[.,]00/);
    for (const tab of bobTabs) expect(await tab.locator(`li[data-order-id="${aliceOrder}"]`).count()).toBe(0);
    for (const tab of aliceTabs) expect(await tab.locator(`li[data-order-id="${bobOrder}"]`).count()).toBe(0);
    await aliceTabs[1]!.locator('#announcer', { hasText: 'Completed' }).waitFor({ state: 'attached' });
  });

  for (const transport of ['WebSockets', 'ServerSentEvents', 'LongPolling'] as const) {
    it(`works over ${transport} when that transport is forced`, async () => {
      const user = await newUser();
      const page = await openTab(user, `user-${transport.toLowerCase()}`, `?transport=${transport}`);
      await page.locator('#connection-transport', { hasText: new RegExp(`^over ${transport}$`) }).waitFor();
      expect(await page.locator('#transport').inputValue()).toBe(transport);
      const orderId = await placeOrder(page, 'FILTER-PAPER-100', '3');
      await orderRow(page, orderId, 'Completed').waitFor();
    });
  }

  it('shows validation errors at the field and the reason of a rejected order', async () => {
    const user = await newUser();
    const page = await openTab(user, 'carol');
    await page.locator('.order-line input[name="quantity"]').first().fill('0');
    await page.getByRole('button', { name: 'Place order' }).click();
    const quantity = page.locator('.order-line input[name="quantity"]').first();
    await page.locator('.order-line input[name="quantity"][aria-invalid="true"]').waitFor();
    const message = await page.locator('.order-line [data-line-error]').first().textContent();
    expect(message).toMatch(/1000|at least|from 1/i);
    expect(await quantity.getAttribute('aria-describedby')).toBeTruthy();
    expect(await page.locator('#orders li').count()).toBe(0);

    const rejected = await placeOrder(page, 'KETTLE-GOOSENECK', '1');
    const row = orderRow(page, rejected, 'Rejected');
    await row.waitFor();
    expect(await row.locator('.reason').textContent()).toMatch(/stock/i);
    expect(await quantity.getAttribute('aria-invalid')).toBeNull();
  });

  it('signs in through a real provider by redirect and comes back with the token in the fragment', async () => {
    const user = await newUser();
    const page = await user.newPage();
    // As deployed: config.json names the provider; the page then offers no user-id field, only the redirect.
    await page.route('**/config.json', (route) =>
      route.fulfill({ json: { apiBaseUrl: fixture.stack().urls.functions, authProvider: 'aad' } }),
    );
    await page.goto(`${fixture.stack().urls.functions}/`);
    const submit = page.getByRole('button', { name: 'Sign in with Microsoft' });
    await submit.waitFor();
    expect(await page.locator('#signin-user').isVisible()).toBe(false);
    const leaving = page.waitForRequest((r) => r.url().includes('/.auth/login/aad'));
    await submit.click();
    const login = new URL((await leaving).url());
    expect(login.searchParams.get('session_mode')).toBe('token');
    expect(login.searchParams.get('post_login_redirect_uri')).toBe(`${fixture.stack().urls.functions}/`);

    // The provider sends the browser back with #token=…; here the local emulation issues the token.
    const issued = await fetch(`${fixture.stack().urls.functions}/.auth/login/dev`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId: 'erin' }),
    });
    const fragment = encodeURIComponent(JSON.stringify(await issued.json()));
    await page.unroute('**/config.json');
    await page.goto(`${fixture.stack().urls.functions}/#token=${fragment}`);
    await page.locator('#signed-in-user', { hasText: 'erin' }).waitFor();
    await connected(page);
    expect(new URL(page.url()).hash).toBe('');
  });

  it('reconnects after the SignalR service restarts and shows what it missed', async () => {
    const user = await newUser();
    const page = await openTab(user, 'dave');
    // Hold the page's next negotiate so an order can complete while it is certainly not connected.
    const held: Route[] = [];
    let holding = true;
    await page.route('**/api/negotiate*', async (route) => {
      if (holding) held.push(route);
      else await route.continue();
    });
    await fixture.stack().restartSignalR();
    await page.locator('#connection-state:not([data-state="connected"])').waitFor();

    // Runs in the page: the test's own tsconfig has no DOM types, hence the narrow cast.
    const token = await page.evaluate(() => {
      const storage = (globalThis as unknown as { localStorage: { getItem(key: string): string | null } }).localStorage;
      return (JSON.parse(storage.getItem('order-notifications.session') ?? '{}') as { token: string }).token;
    });
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${fixture.stack().urls.functions}${path}`, {
        ...init,
        headers: { 'X-ZUMO-AUTH': token, ...init.headers },
      });
    const created = await api('/api/orders', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ items: [{ sku: 'GRINDER-BURR', quantity: 1 }] }),
    });
    const { orderId } = (await created.json()) as { orderId: string };
    await expect
      .poll(async () => ((await (await api(`/api/orders/${orderId}`)).json()) as { status: string }).status, {
        timeout: 15_000,
      })
      .toBe('Completed');
    expect(await page.locator(`li[data-order-id="${orderId}"]`).count()).toBe(0);

    holding = false;
    for (const route of held.splice(0)) await route.continue();
    await connected(page);
    await orderRow(page, orderId, 'Completed').waitFor();
  });
});
