import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { mintClientAccessToken } from '../../local/signalr/accessTokens.js';
import { ConnectionTokens, newConnectionId } from '../../local/signalr/connectionTokens.js';
import { ManualClock } from '../../local/shared/clock.js';
import type { SignalRService } from '../../local/signalr/service.js';
import { Fixture, HUB, upgradeAnswer } from './helpers.js';

const fixture = new Fixture();
afterEach(() => fixture.dispose());

const RS = '\x1e';
const HANDSHAKE = `{"protocol":"json","version":1}${RS}`;

/** A negotiated connection on `service` (v1 unless told), and how to make requests naming it by any token. */
async function negotiated(service: SignalRService, accessKey: string, hub = HUB, version = 1) {
  const { url, accessToken } = await mintClientAccessToken({ endpoint: service.url, accessKey, hub });
  const response = await fetch(`${url.replace('/client/?', '/client/negotiate?')}&negotiateVersion=${version}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${accessToken}` },
  });
  const body = (await response.json()) as { connectionId: string; connectionToken?: string };
  const headers = { Authorization: `Bearer ${accessToken}` };
  /** Answer (status and text) to a `method` request on /client/ naming the connection by `token`. */
  const call = async (token: string, method = 'GET', body?: string): Promise<[number, string]> => {
    const target = `${url}&id=${encodeURIComponent(token)}`;
    const answer = await fetch(target, { method, headers, body });
    return [answer.status, await answer.text()];
  };
  const upgrade = (token: string) =>
    upgradeAnswer(`${url.replace('http:', 'ws:')}&id=${encodeURIComponent(token)}`, headers);
  return { ...body, token: body.connectionToken ?? body.connectionId, call, upgrade };
}

const NOT_FOUND: [number, string] = [404, 'No Connection with that ID'];

describe('connection tokens', () => {
  it('are the id and an HMAC of it, recognised only by the instance that issued them', () => {
    const tokens = new ConnectionTokens();
    const id = newConnectionId();
    const token = tokens.issue(id);
    expect(token.startsWith(`${id}.`)).toBe(true);
    expect(tokens.idOf(token)).toBe(id);
    expect(new ConnectionTokens().idOf(token)).toBeUndefined();

    const mac = token.slice(id.length + 1);
    const otherMac = tokens.issue(newConnectionId()).slice(id.length + 1);
    const forged = [
      id,
      `${id}.`,
      `${id}.${otherMac}`,
      `${newConnectionId()}.${mac}`,
      `${id}.${'A'.repeat(mac.length)}`,
      token.slice(0, -1),
      `${token}A`,
      `${id}!${mac}`,
      `${id}.${mac.slice(0, -1)}é`,
    ];
    // Every single-character change of the MAC, too.
    for (let i = 0; i < mac.length; i++) {
      const changed = mac[i] === 'A' ? 'B' : 'A';
      forged.push(`${id}.${mac.slice(0, i)}${changed}${mac.slice(i + 1)}`);
    }
    for (const candidate of forged) expect(tokens.idOf(candidate), candidate).toBeUndefined();
  });

  it("refuses a forged token, a v1 connection's bare id, and another instance's token, on every request", async () => {
    const accessKey = randomBytes(32).toString('base64');
    const service = await fixture.start({ accessKey });
    const twin = await fixture.start({ accessKey }); // the same AccessKey, another instance
    const first = await negotiated(service, accessKey);
    const second = await negotiated(service, accessKey);
    const mac = (token: string) => token.slice(token.indexOf('.') + 1);
    const forged = [
      first.connectionId,
      `${first.connectionId}.${mac(second.token)}`,
      `${first.connectionId}.${randomBytes(24).toString('base64url')}`,
      `${newConnectionId()}.${mac(first.token)}`,
    ];
    for (const token of forged) {
      expect(await first.call(token)).toEqual(NOT_FOUND);
      expect(await first.call(token, 'POST', HANDSHAKE)).toEqual(NOT_FOUND);
      expect(await first.upgrade(token)).toEqual(NOT_FOUND);
    }
    const onTwin = await negotiated(twin, accessKey);
    expect(await onTwin.call(first.token)).toEqual(NOT_FOUND);
    expect(await onTwin.upgrade(first.token)).toEqual(NOT_FOUND);
    expect(await first.call(onTwin.token)).toEqual(NOT_FOUND);

    // Another hub's connection is refused as before; the genuine token still opens its connection.
    const chat = await negotiated(service, accessKey, 'chat');
    expect(await chat.call(first.token)).toEqual([404, 'No Connection with that ID in this hub']);
    expect(await chat.upgrade(first.token)).toEqual([404, 'No Connection with that ID in this hub']);
    expect(await first.call(first.token)).toEqual([200, '']);
    expect(await second.upgrade(second.token)).toEqual([101, '']);
  });

  it("takes a v0 connection's id as its token", async () => {
    const service = await fixture.start();
    const accessKey = /AccessKey=([^;]+);/.exec(service.connectionString)![1]!;
    const v0 = await negotiated(service, accessKey, HUB, 0);
    expect(v0.connectionToken).toBeUndefined();
    expect(await v0.call(`${v0.connectionId}.${'A'.repeat(32)}`)).toEqual(NOT_FOUND);
    expect(await v0.call(v0.connectionId)).toEqual([200, '']);
    expect(await v0.call(v0.connectionId, 'POST', HANDSHAKE)).toEqual([200, '']);
    expect(await v0.call(v0.connectionId)).toEqual([200, `{}${RS}`]);
    expect(service.stats().connections).toBe(1);
  });

  it('keeps the token of a closed connection until the sweep forgets it, and of one never connected until it times out', async () => {
    const clock = new ManualClock(Date.now());
    const accessKey = randomBytes(32).toString('base64');
    const service = await fixture.start({ accessKey, clock, clientTimeoutMs: 30_000 });
    const polling = await negotiated(service, accessKey);
    expect(await polling.call(polling.token)).toEqual([200, '']);
    expect(await polling.call(polling.token, 'POST', HANDSHAKE)).toEqual([200, '']);
    expect(await polling.call(polling.token)).toEqual([200, `{}${RS}`]);
    expect(service.stats().connections).toBe(1);

    expect(await polling.call(polling.token, 'DELETE')).toEqual([202, '']);
    expect(service.stats().connections).toBe(0);
    // Closed but remembered: the next poll is told to stop, and a send is refused as closed.
    clock.advance(29_000);
    expect((await polling.call(polling.token))[0]).toBe(204);
    expect(await polling.call(polling.token, 'POST', 'x')).toEqual([404, 'the connection is closed']);
    clock.advance(2_000);
    expect(await polling.call(polling.token)).toEqual(NOT_FOUND);
    expect(await polling.call(polling.token, 'POST', 'x')).toEqual(NOT_FOUND);

    const idle = await negotiated(service, accessKey);
    clock.advance(29_000);
    expect(await idle.call(idle.token, 'POST', 'x')).toEqual([400, 'the connection has no transport yet']);
    clock.advance(2_000);
    expect(await idle.call(idle.token, 'POST', 'x')).toEqual(NOT_FOUND);
    expect(await idle.upgrade(idle.token)).toEqual(NOT_FOUND);
  });
});
