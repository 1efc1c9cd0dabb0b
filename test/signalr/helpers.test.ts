import { afterEach, describe, expect, it } from 'vitest';
import { clientUrl, mintClientAccessToken } from '../../local/signalr/accessTokens.js';
import { parseSignalRConnectionString } from '../../local/signalr/connectionString.js';
import { verifyJwt } from '../../local/shared/jwt.js';
import { createSignalRRestClient } from '../../local/signalr/restClient.js';
import { sendSignalROutput } from '../../local/signalr/signalROutput.js';
import { computeUpstreamSignature } from '../../local/signalr/upstreamSignature.js';
import { accessKeyOf, Fixture, HUB, Inbox } from './helpers.js';

const KEY = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789ABCDEFGH';

describe('parseSignalRConnectionString', () => {
  it('reads the emulator form, applying Port to the endpoint', () => {
    expect(parseSignalRConnectionString(`Endpoint=http://localhost;Port=8888;AccessKey=${KEY};Version=1.0;`)).toEqual({
      endpoint: 'http://localhost:8888',
      clientEndpoint: 'http://localhost:8888',
      serverEndpoint: 'http://localhost:8888',
      accessKey: KEY,
      version: '1.0',
    });
  });

  it('reads an Azure form with case-insensitive keys, = in values and a client endpoint', () => {
    const parsed = parseSignalRConnectionString(
      'endpoint=https://res.service.signalr.net/;accesskey=ab=cd==;ClientEndpoint=https://edge.example',
    );
    expect(parsed).toMatchObject({
      endpoint: 'https://res.service.signalr.net',
      clientEndpoint: 'https://edge.example',
      accessKey: 'ab=cd==',
      version: '1.0',
    });
  });

  it.each([
    ['', /empty/],
    ['Endpoint=http://localhost', /no AccessKey/],
    [`AccessKey=${KEY}`, /no Endpoint/],
    [`Endpoint=localhost;AccessKey=${KEY}`, /not an absolute URL/],
    [`Endpoint=http://a;Endpoint=http://b;AccessKey=${KEY}`, /repeats key "endpoint"/],
    [`Endpoint=http://a;Port=99999;AccessKey=${KEY}`, /Port=99999/],
    [`Endpoint=http://a;AccessKey=${KEY};Version=2.0`, /Version=2.0/],
    ['Endpoint=https://res.service.signalr.net;AuthType=azure.msi;Version=1.0;', /AuthType=azure.msi.*not/],
    [`Endpoint=http://a;AccessKey=${KEY};Colour=blue`, /unknown key "Colour"/],
  ])('refuses %j clearly', (value, message) => {
    expect(() => parseSignalRConnectionString(value)).toThrow(message);
  });
});

describe('tokens and signatures', () => {
  it('mints a client token as the Functions extension does: client URL audience, nameid, one hour', async () => {
    const nowMs = Date.UTC(2026, 0, 1);
    const { url, accessToken } = await mintClientAccessToken({
      endpoint: 'http://localhost:8888',
      accessKey: KEY,
      hub: 'Orders',
      userId: 'alice',
      claims: { role: 'buyer', exp: 'mine' },
      nowMs,
    });
    expect(url).toBe(clientUrl('http://localhost:8888', 'orders'));
    expect(url).toBe('http://localhost:8888/client/?hub=orders');
    const claims = await verifyJwt(accessToken, KEY, { nowMs, audience: url });
    expect(claims).toMatchObject({ aud: url, nameid: 'alice', role: 'buyer', 'asrs.u.exp': 'mine' });
    expect(claims.exp).toBe(nowMs / 1000 + 3600);
    await expect(verifyJwt(accessToken, KEY, { nowMs: nowMs + 3600_000, audience: url })).rejects.toThrow(/expired/);
    await expect(verifyJwt(accessToken, 'other', { nowMs, audience: url })).rejects.toThrow(/signature/);
  });

  it('signs upstream calls with sha256=HMAC(accessKey, connectionId) in hex', () => {
    // Expected value from `printf %s conn-1 | openssl dgst -sha256 -hmac <KEY>`.
    expect(computeUpstreamSignature('conn-1', KEY)).toBe(
      'sha256=261f7f58ff9fb9bb8be7e4951a807fe6091e5c074885bf63b865eccd28728881',
    );
  });
});

describe('sendSignalROutput (what the signalR output binding does)', () => {
  const fixture = new Fixture();
  afterEach(() => fixture.dispose());

  it('routes messages by connectionId > userId > groupName > all, and runs group actions', async () => {
    const service = await fixture.start();
    const key = accessKeyOf(service);
    const client = createSignalRRestClient(service.connectionString);
    const alice = await fixture.connect(service, key, { userId: 'alice' });
    const bob = await fixture.connect(service, key, { userId: 'bob' });
    const [inA, inB] = [new Inbox(alice, 'm'), new Inbox(bob, 'm')];

    await sendSignalROutput(client, HUB, { action: 'add', userId: 'alice', groupName: 'g' });
    await sendSignalROutput(client, HUB, [
      { target: 'm', arguments: ['to group'], groupName: 'g' },
      { target: 'm', arguments: ['to bob by user over group'], userId: 'bob', groupName: 'g' },
      { target: 'm', arguments: ['to alice by connection'], connectionId: alice.connectionId, userId: 'bob' },
      { action: 'remove', userId: 'alice', groupName: 'g' },
      { target: 'm', arguments: ['to empty group'], groupName: 'g' },
      { target: 'm', arguments: ['to all'] },
    ]);
    expect(await inA.nth(2)).toEqual(['to all']);
    expect(inA.received).toEqual([['to group'], ['to alice by connection'], ['to all']]);
    expect(await inB.nth(1)).toEqual(['to all']);
    expect(inB.received).toEqual([['to bob by user over group'], ['to all']]);
  });

  it.each([
    [{ target: 'm' }, /neither a message/],
    [{ action: 'join', userId: 'a', groupName: 'g' }, /action must be/],
    [{ action: 'add', groupName: 'g' }, /userId or connectionId/],
    [{ action: 'add', userId: 'a' }, /groupName/],
    [[{ target: 'm', arguments: [] }, 42], /item 1 must be an object/],
  ])('refuses %j with a clear error', async (value, message) => {
    const client = createSignalRRestClient(`Endpoint=http://127.0.0.1;Port=9;AccessKey=${KEY};Version=1.0;`);
    // Nothing listens on port 9: a network call would fail differently, so this also shows that a bad item
    // stops the whole output before anything is sent.
    await expect(sendSignalROutput(client, HUB, value)).rejects.toThrow(message);
  });
});
