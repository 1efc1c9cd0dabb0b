import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEasyAuth, loadOrCreateAuthSecret, openRevocations } from '../../local/auth/index.js';
import { ManualClock } from '../../local/shared/clock.js';

const clock = new ManualClock();
const auth = createEasyAuth({
  secret: loadOrCreateAuthSecret(undefined),
  clock,
  sessionLifetimeMs: 60_000,
  allowedRedirectOrigins: ['http://web.localhost:5173'],
  requireAuthentication: (url) => url.pathname.startsWith('/api/private'),
});
let server: Server;
let base: string;

/** Behind the middleware: echoes the identity headers the app would see. */
beforeAll(async () => {
  server = createServer((req, res) => {
    void auth.middleware(req, res, new URL(req.url ?? '/', `http://${req.headers.host}`)).then((handled) => {
      if (handled) return;
      const seen = Object.fromEntries(Object.entries(req.headers).filter(([k]) => k.startsWith('x-ms-')));
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(seen));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function signIn(userId: string): Promise<string> {
  const res = await fetch(`${base}/.auth/login/dev`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ userId }),
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { authenticationToken: string; user: { userId: string } };
  expect(body.user).toEqual({ userId });
  return body.authenticationToken;
}

async function seenHeaders(headers: Record<string, string>): Promise<{ status: number; seen: Record<string, string> }> {
  const res = await fetch(`${base}/api/anything`, { headers });
  return { status: res.status, seen: res.status === 200 ? ((await res.json()) as Record<string, string>) : {} };
}

describe('Easy Auth emulation', () => {
  it('injects the signed-in principal as App Service does', async () => {
    const token = await signIn('alice');
    const { seen } = await seenHeaders({ 'X-ZUMO-AUTH': token });
    expect(seen['x-ms-client-principal-id']).toBe('alice');
    expect(seen['x-ms-client-principal-idp']).toBe('dev');
    const principal = JSON.parse(Buffer.from(seen['x-ms-client-principal'] ?? '', 'base64').toString('utf8'));
    expect(principal.auth_typ).toBe('dev');
    expect(principal.claims).toContainEqual({
      typ: 'http://schemas.xmlsoap.org/ws/2005/05/identity/claims/nameidentifier',
      val: 'alice',
    });
  });

  it('strips principal headers a client sends, signed in or not', async () => {
    const forged = {
      'x-ms-client-principal-id': 'bob',
      'x-ms-client-principal': Buffer.from('{"auth_typ":"aad","claims":[]}').toString('base64'),
      'x-ms-token-aad-access-token': 'forged',
    };
    expect((await seenHeaders(forged)).seen).toEqual({});
    const token = await signIn('alice');
    const { seen } = await seenHeaders({ ...forged, 'X-ZUMO-AUTH': token });
    expect(seen['x-ms-client-principal-id']).toBe('alice');
    expect(seen['x-ms-token-aad-access-token']).toBeUndefined();
  });

  it('refuses forged and expired tokens with 401', async () => {
    const token = await signIn('alice');
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8'));
    const forgedPayload = Buffer.from(JSON.stringify({ ...claims, sub: 'bob' })).toString('base64url');
    expect((await seenHeaders({ 'X-ZUMO-AUTH': `${header}.${forgedPayload}.${signature}` })).status).toBe(401);
    expect((await seenHeaders({ 'X-ZUMO-AUTH': 'not-a-token' })).status).toBe(401);
    clock.advance(61_000);
    const expired = await fetch(`${base}/api/x`, { headers: { 'X-ZUMO-AUTH': token } });
    expect(expired.status).toBe(401);
    expect(expired.headers.get('content-type')).toContain('application/problem+json');
    expect(((await expired.json()) as { detail: string }).detail).toContain('expired');
  });

  it('rejects a bad user id with problem+json naming the field', async () => {
    const res = await fetch(`${base}/.auth/login/dev`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ userId: 'no spaces allowed' }),
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(((await res.json()) as { errors: { field: string }[] }).errors[0]?.field).toBe('userId');
    const notJson = await fetch(`${base}/.auth/login/dev`, { method: 'POST', body: 'userId=alice' });
    expect(notJson.status).toBe(400);
  });

  it('serves /.auth/me and revokes the session on logout', async () => {
    const token = await signIn('carol');
    const me = await fetch(`${base}/.auth/me`, { headers: { 'X-ZUMO-AUTH': token } });
    const [entry] = (await me.json()) as { user_id: string; provider_name: string }[];
    expect(entry).toMatchObject({ user_id: 'carol', provider_name: 'dev' });
    expect((await fetch(`${base}/.auth/me`)).status).toBe(401);

    const out = await fetch(`${base}/.auth/logout`, { headers: { 'X-ZUMO-AUTH': token }, redirect: 'manual' });
    expect(out.status).toBe(302);
    expect(out.headers.get('location')).toBe('/.auth/logout/complete');
    expect((await fetch(`${base}/.auth/me`, { headers: { 'X-ZUMO-AUTH': token } })).status).toBe(401);
  });

  it('signs in through the form with a cookie and only redirects within the site', async () => {
    const form = await fetch(`${base}/.auth/login/dev?post_login_redirect_uri=/orders`);
    expect(await form.text()).toContain('value="/orders"');

    const post = (redirect: string) =>
      fetch(`${base}/.auth/login/dev`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ userId: 'dave', post_login_redirect_uri: redirect }).toString(),
        redirect: 'manual',
      });
    const ok = await post('/orders?x=1');
    expect(ok.status).toBe(302);
    expect(ok.headers.get('location')).toBe('/orders?x=1');
    const cookie = (ok.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
    expect(cookie).toMatch(/^AppServiceAuthSession=/);
    expect((await seenHeaders({ cookie })).seen['x-ms-client-principal-id']).toBe('dave');

    expect((await post('https://evil.example/')).headers.get('location')).toBe('/');
    expect((await post('//evil.example/')).headers.get('location')).toBe('/');
  });

  it('returns the token in the fragment with session_mode=token, only to allowed origins', async () => {
    const form = await fetch(
      `${base}/.auth/login/dev?session_mode=token&post_login_redirect_uri=http://web.localhost:5173/app`,
    );
    const html = await form.text();
    expect(html).toContain('name="session_mode" value="token"');
    expect(html).toContain('value="http://web.localhost:5173/app"');

    const post = (redirect: string) =>
      fetch(`${base}/.auth/login/dev`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          userId: 'erin',
          session_mode: 'token',
          post_login_redirect_uri: redirect,
        }).toString(),
        redirect: 'manual',
      });
    const ok = await post('http://web.localhost:5173/app');
    expect(ok.headers.get('set-cookie')).toBeNull();
    const location = new URL(ok.headers.get('location') ?? '');
    expect(location.origin + location.pathname).toBe('http://web.localhost:5173/app');
    const fragment = JSON.parse(decodeURIComponent(location.hash.replace(/^#token=/, '')));
    expect(fragment.user).toEqual({ userId: 'erin' });
    expect((await seenHeaders({ 'X-ZUMO-AUTH': fragment.authenticationToken })).seen['x-ms-client-principal-id']).toBe(
      'erin',
    );
    expect((await post('http://other.localhost:5173/app')).headers.get('location')).toMatch(/^\/#token=/);
  });

  it('keeps one signing secret per data dir', () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth-secret-'));
    try {
      const first = loadOrCreateAuthSecret(dir);
      expect(loadOrCreateAuthSecret(dir).equals(first)).toBe(true);
      expect(loadOrCreateAuthSecret(undefined).equals(first)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(['__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toString', '.', '..'])(
    'signs in as %s like any other id',
    async (userId) => {
      const token = await signIn(userId);
      const { seen } = await seenHeaders({ 'X-ZUMO-AUTH': token });
      expect(seen['x-ms-client-principal-id']).toBe(userId);
      const me = await fetch(`${base}/.auth/me`, { headers: { 'X-ZUMO-AUTH': token } });
      expect(((await me.json()) as { user_id: string }[])[0]?.user_id).toBe(userId);
    },
  );

  it('takes no sign-in field from what a JSON body inherits', async () => {
    const res = await fetch(`${base}/.auth/login/dev`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"__proto__":{"userId":"mallory"}}',
    });
    expect(res.status).toBe(400);
  });

  it('refuses a sign-in posted by another web page (login CSRF), and takes one from its own or an allowed page', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${base}/.auth/login/dev`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
        body: 'userId=mallory',
        redirect: 'manual',
      });
    const crossSite: Record<string, string>[] = [
      { Origin: 'http://evil.example' },
      { Origin: 'null' },
      { 'Sec-Fetch-Site': 'cross-site' },
    ];
    for (const headers of crossSite) {
      const res = await post(headers);
      expect(res.status).toBe(403);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.headers.get('set-cookie')).toBeNull();
    }
    expect((await post({ Origin: base })).status).toBe(302);
    expect((await post({ Origin: 'http://web.localhost:5173' })).status).toBe(302);
    expect((await post({ 'Sec-Fetch-Site': 'same-origin' })).status).toBe(302);
    expect((await post({})).status).toBe(302);
  });

  it('refuses a sign-out sent by another web page, and the session stays valid', async () => {
    const token = await signIn('frank');
    const out = await fetch(`${base}/.auth/logout`, {
      headers: { 'X-ZUMO-AUTH': token, 'Sec-Fetch-Site': 'cross-site' },
      redirect: 'manual',
    });
    expect(out.status).toBe(403);
    expect((await fetch(`${base}/.auth/me`, { headers: { 'X-ZUMO-AUTH': token } })).status).toBe(200);
  });

  it('answers /.auth/me to GET and HEAD only, and every error as problem+json', async () => {
    const post = await fetch(`${base}/.auth/me`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    expect(post.headers.get('content-type')).toContain('application/problem+json');
    expect((await fetch(`${base}/.auth/me`, { method: 'HEAD' })).status).toBe(401);
    const formError = await fetch(`${base}/.auth/login/dev`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'userId=has spaces',
    });
    expect(formError.status).toBe(400);
    expect(formError.headers.get('content-type')).toContain('application/problem+json');
    for (const path of ['/.auth/login/aad', '/.auth/nothing']) {
      const res = await fetch(`${base}${path}`);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    const put = await fetch(`${base}/.auth/login/dev`, { method: 'PUT' });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
  });

  it('answers 401 to anonymous requests where sign-in is required, as App Service with Return401 does', async () => {
    const anonymous = await fetch(`${base}/api/private/orders`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toContain('application/problem+json');
    expect(anonymous.headers.get('www-authenticate')).toContain('Bearer');
    const token = await signIn('grace');
    expect((await fetch(`${base}/api/private/orders`, { headers: { 'X-ZUMO-AUTH': token } })).status).toBe(200);
  });

  it('keeps a sign-out in its revocations file, forgetting it once the session has expired', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'auth-revoked-'));
    const file = join(dir, 'revoked');
    try {
      const first = openRevocations(file, clock.now());
      await first.add('6f9619ff-8b86-d011-b42d-00cf4fc964ff', clock.now() + 1000);
      await first.add('7f9619ff-8b86-d011-b42d-00cf4fc964ff', clock.now() + 5000);
      expect(openRevocations(file, clock.now()).has('6f9619ff-8b86-d011-b42d-00cf4fc964ff')).toBe(true);
      const later = openRevocations(file, clock.now() + 2000);
      expect(later.has('6f9619ff-8b86-d011-b42d-00cf4fc964ff')).toBe(false);
      expect(later.has('7f9619ff-8b86-d011-b42d-00cf4fc964ff')).toBe(true);
      expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
