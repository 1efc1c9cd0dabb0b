import { afterEach, describe, expect, it } from 'vitest';
import { mintClientAccessToken } from '../../local/signalr/accessTokens.js';
import { ManualClock } from '../../local/shared/clock.js';
import { accessKeyOf, Fixture, HUB, TRANSPORTS, upgradeAnswer, upgradeStatus } from './helpers.js';

const fixture = new Fixture();
afterEach(() => fixture.dispose());

async function negotiate(url: string, token?: string): Promise<Response> {
  const negotiateUrl = url.replace('/client/?', '/client/negotiate?') + '&negotiateVersion=1';
  return fetch(negotiateUrl, { method: 'POST', headers: token ? { Authorization: `Bearer ${token}` } : {} });
}

describe('client access tokens', () => {
  it('accepts a valid token and refuses missing, forged, expired and other-hub tokens with 401', async () => {
    const clock = new ManualClock(Date.now());
    const service = await fixture.start({ clock });
    const key = accessKeyOf(service);
    const valid = await mintClientAccessToken({ endpoint: service.url, accessKey: key, hub: HUB, userId: 'alice' });
    const forged = await mintClientAccessToken({ endpoint: service.url, accessKey: 'not-the-key', hub: HUB });
    const otherHub = await mintClientAccessToken({ endpoint: service.url, accessKey: key, hub: 'chat' });
    const expiring = await mintClientAccessToken({
      endpoint: service.url,
      accessKey: key,
      hub: HUB,
      lifetimeMs: 60_000,
    });

    const ok = await negotiate(valid.url, valid.accessToken);
    expect(ok.status).toBe(200);
    expect(await ok.json()).toMatchObject({ negotiateVersion: 1, connectionId: expect.any(String) });

    const cases: Array<[string, Response, RegExp]> = [
      ['missing', await negotiate(valid.url), /no access token/],
      ['forged', await negotiate(valid.url, forged.accessToken), /signature/],
      ['other hub', await negotiate(valid.url, otherHub.accessToken), /for hub 'chat', not 'orders'/],
    ];
    clock.advance(61_000);
    cases.push(['expired', await negotiate(valid.url, expiring.accessToken), /expired/]);
    for (const [, response, message] of cases) {
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
      expect(await response.text()).toMatch(message);
    }
  });

  it("checks the token again at connect: the negotiated token once expired, a forged one, another hub's", async () => {
    const clock = new ManualClock(Date.now());
    // Negotiated connections wait for their transport far longer than the token lives.
    const service = await fixture.start({ clock, clientTimeoutMs: 3_600_000, handshakeTimeoutMs: 3_600_000 });
    const key = accessKeyOf(service);
    const mint = (accessKey: string, hub: string, lifetimeMs?: number) =>
      mintClientAccessToken({ endpoint: service.url, accessKey, hub, userId: 'alice', nowMs: clock.now(), lifetimeMs });
    const expiring = await mint(key, HUB, 60_000);
    const forged = await mint('not-the-key', HUB);
    const otherHub = await mint(key, 'chat');
    const connectionTokens: string[] = [];
    for (let i = 0; i < 3; i++) {
      const body = (await (await negotiate(expiring.url, expiring.accessToken)).json()) as { connectionToken: string };
      connectionTokens.push(body.connectionToken);
    }
    const connect = (connectionToken: string, token: string) =>
      upgradeAnswer(`${expiring.url.replace('http:', 'ws:')}&id=${encodeURIComponent(connectionToken)}`, {
        Authorization: `Bearer ${token}`,
      });

    expect(await connect(connectionTokens[0]!, forged.accessToken)).toEqual([401, expect.stringMatching(/signature/)]);
    expect(await connect(connectionTokens[1]!, otherHub.accessToken)).toEqual([401, expect.stringMatching(/'chat'/)]);
    clock.advance(61_000);
    expect(await connect(connectionTokens[2]!, expiring.accessToken)).toEqual([401, expect.stringMatching(/expired/)]);
    const sse = await fetch(`${expiring.url}&id=${encodeURIComponent(connectionTokens[2]!)}`, {
      headers: { Authorization: `Bearer ${expiring.accessToken}`, Accept: 'text/event-stream' },
    });
    expect([sse.status, await sse.text()]).toEqual([401, expect.stringMatching(/expired/)]);
    expect(service.stats().connections).toBe(0);
  });

  it('refuses a WebSocket upgrade with a forged token (access_token query) with 401', async () => {
    const service = await fixture.start();
    const forged = await mintClientAccessToken({ endpoint: service.url, accessKey: 'wrong', hub: HUB });
    const wsUrl = `${forged.url.replace('http:', 'ws:')}&access_token=${encodeURIComponent(forged.accessToken)}`;
    expect(await upgradeStatus(wsUrl)).toBe(401);
  });

  it('makes the real client fail to start with a token for another hub', async () => {
    const service = await fixture.start();
    const key = accessKeyOf(service);
    const chatToken = (await mintClientAccessToken({ endpoint: service.url, accessKey: key, hub: 'chat' })).accessToken;
    for (const [, transport] of TRANSPORTS) {
      const connection = fixture.build(service, key, { transport, token: chatToken });
      await expect(connection.start()).rejects.toThrow(/401/);
    }
  });

  it('serves negotiate v0 without a secret connection token, and v1 with one', async () => {
    const service = await fixture.start();
    const { url, accessToken } = await mintClientAccessToken({
      endpoint: service.url,
      accessKey: accessKeyOf(service),
      hub: HUB,
    });
    const v0 = await fetch(url.replace('/client/?', '/client/negotiate?'), {
      method: 'POST',
      headers: { Authorization: `Bearer ${accessToken}` },
    });
    const v0Body = (await v0.json()) as Record<string, unknown>;
    expect(v0Body.connectionToken).toBeUndefined();
    expect(v0Body.connectionId).toEqual(expect.any(String));
    const v1Body = (await (await negotiate(url, accessToken)).json()) as Record<string, unknown>;
    expect(v1Body.connectionToken).toEqual(expect.any(String));
    expect(v1Body.connectionToken).not.toBe(v1Body.connectionId);
    expect(v1Body.useStatefulReconnect).toBeUndefined();
    expect(v1Body.availableTransports).toEqual([
      { transport: 'WebSockets', transferFormats: ['Text', 'Binary'] },
      { transport: 'ServerSentEvents', transferFormats: ['Text'] },
      { transport: 'LongPolling', transferFormats: ['Text', 'Binary'] },
    ]);
    const get = await fetch(url.replace('/client/?', '/client/negotiate?'), {
      headers: { Authorization: `Bearer ${accessToken}` },
    });
    expect(get.status).toBe(405);
  });
});
