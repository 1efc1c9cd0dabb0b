import { afterEach, describe, expect, it } from 'vitest';
import { mintClientAccessToken } from '../../local/signalr/accessTokens.js';
import type { SignalRService } from '../../local/signalr/service.js';
import { accessKeyOf, Fixture, HUB, upgradeStatus } from './helpers.js';

const fixture = new Fixture();
afterEach(() => fixture.dispose());

describe('CORS', () => {
  it('answers a preflight from an allowed origin by echoing it with credentials', async () => {
    const service = await fixture.start({ corsOrigins: ['http://localhost:7071'] });
    const preflight = await fetch(`${service.url}/client/negotiate?hub=${HUB}&negotiateVersion=1`, {
      method: 'OPTIONS',
      headers: {
        Origin: 'http://localhost:7071',
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'authorization,x-requested-with,x-signalr-user-agent',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:7071');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')).toBe(
      'authorization,x-requested-with,x-signalr-user-agent',
    );
    expect(preflight.headers.get('access-control-allow-methods')).toMatch(/POST/);

    // The actual (here unauthorized) response carries the origin too, so the browser can read the 401.
    const actual = await fetch(`${service.url}/client/negotiate?hub=${HUB}`, {
      method: 'POST',
      headers: { Origin: 'http://localhost:7071' },
    });
    expect(actual.status).toBe(401);
    expect(actual.headers.get('access-control-allow-origin')).toBe('http://localhost:7071');
  });

  it('refuses every request from an origin not listed — preflight, plain request or WebSocket — with 403', async () => {
    const service = await fixture.start({ corsOrigins: ['http://localhost:7071'] });
    const key = accessKeyOf(service);
    const { url, accessToken } = await mintClientAccessToken({ endpoint: service.url, accessKey: key, hub: HUB });
    const negotiateUrl = url.replace('/client/?', '/client/negotiate?');
    const evil = 'http://evil.example';

    const preflight = await fetch(negotiateUrl, {
      method: 'OPTIONS',
      headers: { Origin: evil, 'Access-Control-Request-Method': 'POST' },
    });
    expect(preflight.status).toBe(403);
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    expect(await preflight.text()).toMatch(/Host\.CORS/);

    // Even with a valid token (which a page elsewhere could not have), the request is not carried out.
    const blind = await fetch(negotiateUrl, {
      method: 'POST',
      headers: { Origin: evil, Authorization: `Bearer ${accessToken}` },
    });
    expect(blind.status).toBe(403);
    expect(blind.headers.get('access-control-allow-origin')).toBeNull();
    const wsUrl = `${url.replace('http:', 'ws:')}&access_token=${encodeURIComponent(accessToken)}`;
    expect(await upgradeStatus(wsUrl, evil)).toBe(403);
    expect(await upgradeStatus(wsUrl, 'http://localhost:7071')).toBe(101);
    expect(await upgradeStatus(wsUrl)).toBe(101);
  });

  it('answers no origin by default, and any origin only without credentials when the list holds *', async () => {
    const closed = await fixture.start();
    const preflight = (service: SignalRService) =>
      fetch(`${service.url}/client/negotiate?hub=${HUB}`, {
        method: 'OPTIONS',
        headers: { Origin: 'http://127.0.0.1:5173', 'Access-Control-Request-Method': 'POST' },
      });
    expect((await preflight(closed)).status).toBe(403);

    const open = await fixture.start({ corsOrigins: ['*'] });
    const anyOrigin = await preflight(open);
    expect(anyOrigin.status).toBe(204);
    expect(anyOrigin.headers.get('access-control-allow-origin')).toBe('*');
    expect(anyOrigin.headers.get('access-control-allow-credentials')).toBeNull();
  });
});
