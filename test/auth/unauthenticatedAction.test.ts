import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createEasyAuth,
  loadOrCreateAuthSecret,
  parseUnauthenticatedAction,
  type UnauthenticatedAction,
} from '../../local/auth/index.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** Easy Auth in front of an app that answers 200, with /api/* requiring a session under `action`. */
async function site(action: UnauthenticatedAction | undefined): Promise<string> {
  const auth = createEasyAuth({
    secret: loadOrCreateAuthSecret(undefined),
    requireAuthentication: action ? (url) => url.pathname.startsWith('/api/') : undefined,
    unauthenticatedAction: action,
  });
  server = createServer((req, res) => {
    void auth.middleware(req, res, new URL(req.url ?? '/', `http://${req.headers.host}`)).then((handled) => {
      if (!handled) res.writeHead(200).end('app');
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
}

describe('what a request without a session gets', () => {
  it('reaches the app when nothing is required (AllowAnonymous, the default for an app that says nothing)', async () => {
    const base = await site(parseUnauthenticatedAction(undefined));
    expect((await fetch(`${base}/api/orders`)).status).toBe(200);
    expect(parseUnauthenticatedAction('allowanonymous')).toBeUndefined();
  });

  it('gets 403 problem+json under Return403', async () => {
    const base = await site('Return403');
    const res = await fetch(`${base}/api/orders`);
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await res.json()) as { detail: string }).toMatchObject({ detail: expect.stringContaining('Return403') });
    expect((await fetch(`${base}/index.html`)).status).toBe(200);
  });

  it('is sent to sign in and back under RedirectToLoginPage, unless it comes from a script or is not a GET', async () => {
    const base = await site('RedirectToLoginPage');
    const page = await fetch(`${base}/api/orders?top=5`, { redirect: 'manual' });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toBe(
      `/.auth/login/dev?post_login_redirect_uri=${encodeURIComponent('/api/orders?top=5')}`,
    );
    const login = await fetch(new URL(page.headers.get('location')!, base));
    expect(login.status).toBe(200);
    const xhr = await fetch(`${base}/api/orders`, { headers: { 'X-Requested-With': 'XMLHttpRequest' } });
    expect(xhr.status).toBe(401);
    expect((await fetch(`${base}/api/orders`, { method: 'POST', body: '{}' })).status).toBe(401);
  });

  it('refuses a setting that names no action, saying which ones there are', () => {
    expect(parseUnauthenticatedAction(' return401 ')).toBe('Return401');
    expect(() => parseUnauthenticatedAction('Deny')).toThrow(
      /WEBSITE_AUTH_UNAUTHENTICATED_ACTION is "Deny"; use one of AllowAnonymous, Return401, Return403, RedirectToLoginPage/,
    );
  });
});
