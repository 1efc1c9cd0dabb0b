import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';
import { mintClientAccessToken } from '../../local/signalr/accessTokens.js';
import { createSignalRRestClient } from '../../local/signalr/restClient.js';
import { ManualClock } from '../../local/shared/clock.js';
import type { SignalRService } from '../../local/signalr/service.js';
import { accessKeyOf, Fixture, HUB } from './helpers.js';

const fixture = new Fixture();
const sockets: WebSocket[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.terminate();
  await fixture.dispose();
});

const RS = '\x1e';

async function negotiated(service: SignalRService) {
  const { url, accessToken } = await mintClientAccessToken({
    endpoint: service.url,
    accessKey: accessKeyOf(service),
    hub: HUB,
  });
  const response = await fetch(url.replace('/client/?', '/client/negotiate?') + '&negotiateVersion=1', {
    method: 'POST',
    headers: { Authorization: `Bearer ${accessToken}` },
  });
  const { connectionToken } = (await response.json()) as { connectionToken: string };
  return { connectUrl: `${url}&id=${connectionToken}`, headers: { Authorization: `Bearer ${accessToken}` } };
}

/** A raw WebSocket client that queues text frames, for checking frames the real client hides. */
async function rawSocket(service: SignalRService) {
  const { connectUrl, headers } = await negotiated(service);
  const socket = new WebSocket(connectUrl.replace('http:', 'ws:'), { headers });
  sockets.push(socket);
  const frames: string[] = [];
  const waiters: Array<() => void> = [];
  socket.on('message', (data, isBinary) => {
    frames.push(isBinary ? '<binary>' : data.toString());
    waiters.splice(0).forEach((wake) => wake());
  });
  const closedWith = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  const next = async (): Promise<string> => {
    while (frames.length === 0) await new Promise<void>((wake) => waiters.push(wake));
    return frames.shift()!;
  };
  return { socket, next, closedWith };
}

/**
 * A WebSocket client over a bare TCP socket that completes the JSON handshake and then never answers anything,
 * not even the closing handshake, as a vanished peer would.
 */
async function unresponsiveSocket(service: SignalRService): Promise<Socket> {
  const { connectUrl, headers } = await negotiated(service);
  const url = new URL(connectUrl);
  const socket = connect(Number(url.port), '127.0.0.1');
  socket.on('error', () => {});
  let received = '';
  const answered = (text: string) =>
    new Promise<void>((resolve) => {
      const check = () => received.includes(text) && (socket.off('data', check), resolve());
      socket.on('data', check);
    });
  socket.on('data', (chunk: Buffer) => (received += chunk.toString('latin1')));
  const upgraded = answered('\r\n\r\n');
  socket.write(
    `GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\nUpgrade: websocket\r\n` +
      `Connection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}` +
      `\r\nAuthorization: ${headers.Authorization}\r\n\r\n`,
  );
  await upgraded;
  const handshaken = answered(`{}${RS}`);
  // One masked text frame, as clients must send them.
  const payload = Buffer.from(`{"protocol":"json","version":1}${RS}`);
  const mask = randomBytes(4);
  const frame = Buffer.concat([
    Buffer.from([0x81, 0x80 | payload.length]),
    mask,
    payload.map((b, i) => b ^ mask[i % 4]!),
  ]);
  socket.write(frame);
  await handshaken;
  return socket;
}

describe('keep-alive, timeouts and handshake', () => {
  it('remembers a closed connection while its socket is closing, so shutdown still cuts that socket off', async () => {
    const clock = new ManualClock(Date.now());
    const service = await fixture.start({ clock, clientTimeoutMs: 5_000 });
    const socket = await unresponsiveSocket(service);
    const socketClosed = new Promise((resolve) => socket.once('close', resolve));
    const rest = createSignalRRestClient(service.connectionString);
    const [connection] = service.connections();
    await rest.closeConnection(HUB, connection!.connectionId, 'bye');
    expect(service.stats().connections).toBe(0);
    // Long past the client timeout the sweep would forget a closed connection, but its socket has not closed.
    clock.advance(60_000);
    await service.close();
    await socketClosed;
  });

  it('pings an idle WebSocket every keep-alive interval, and not before', async () => {
    const clock = new ManualClock(Date.now());
    const service = await fixture.start({ clock, clientTimeoutMs: 3_600_000 });
    const { socket, next } = await rawSocket(service);
    socket.send(`{"protocol":"json","version":1}${RS}`);
    expect(await next()).toBe(`{}${RS}`);
    clock.advance(14_000);
    // Frames arrive in order, so if a ping had gone out in those 14 s it would come before this broadcast.
    await createSignalRRestClient(service.connectionString).sendToAll(HUB, { target: 'marker', arguments: [] });
    expect(await next()).toBe(`{"type":1,"target":"marker","arguments":[]}${RS}`);
    clock.advance(15_000);
    expect(await next()).toBe(`{"type":6}${RS}`);
  });

  it('closes a client that stays silent past the client timeout, allowing it to reconnect', async () => {
    const clock = new ManualClock(Date.now());
    const service = await fixture.start({ clock });
    const connection = await fixture.connect(service, accessKeyOf(service), { userId: 'alice', reconnect: true });
    const reconnecting = new Promise<Error | undefined>((resolve) => connection.onreconnecting(resolve));
    clock.advance(29_000);
    expect(service.stats().connections).toBe(1);
    clock.advance(2_000);
    // The client only reconnects automatically when the Close message allows it.
    expect((await reconnecting)?.message).toMatch(/Client timeout/);
  });

  it('answers a MessagePack handshake with a clear error and closes', async () => {
    const service = await fixture.start();
    const { socket, next, closedWith } = await rawSocket(service);
    socket.send(`{"protocol":"messagepack","version":1}${RS}`);
    expect(JSON.parse((await next()).slice(0, -1))).toEqual({
      error: expect.stringMatching(/Requested protocol 'messagepack' is not available/),
    });
    expect(await closedWith).toBe(1000);
    expect(service.stats().connections).toBe(0);
  });

  it('follows the long-polling rules: first poll at once, data on poll, DELETE ends a parked poll with 204', async () => {
    const service = await fixture.start();
    const { connectUrl, headers } = await negotiated(service);
    const first = await fetch(`${connectUrl}&_=1`, { headers });
    expect([first.status, await first.text()]).toEqual([200, '']);
    const handshake = await fetch(connectUrl, {
      method: 'POST',
      headers,
      body: `{"protocol":"json","version":1}${RS}`,
    });
    expect(handshake.status).toBe(200);
    const second = await fetch(connectUrl, { headers });
    expect([second.status, await second.text()]).toEqual([200, `{}${RS}`]);

    const parked = fetch(connectUrl, { headers });
    const deleted = await fetch(connectUrl, { method: 'DELETE', headers });
    expect(deleted.status).toBe(202);
    expect((await parked).status).toBe(204);
    expect((await fetch(connectUrl, { headers })).status).toBe(204);
    expect(service.stats().connections).toBe(0);
  });

  it('takes a record that arrives split over several sends', async () => {
    const service = await fixture.start();
    const { connectUrl, headers } = await negotiated(service);
    expect((await fetch(connectUrl, { headers })).status).toBe(200);
    const handshake = `{"protocol":"json","version":1}${RS}`;
    for (const part of [handshake.slice(0, 10), handshake.slice(10, 20), handshake.slice(20)]) {
      expect((await fetch(connectUrl, { method: 'POST', headers, body: part })).status).toBe(200);
      expect(service.stats().connections).toBe(part.endsWith(RS) ? 1 : 0);
    }
    const answer = await fetch(connectUrl, { headers });
    expect([answer.status, await answer.text()]).toEqual([200, `{}${RS}`]);
  });

  it('answers requests for unknown or missing connection ids with 404 and 400', async () => {
    const service = await fixture.start();
    const { connectUrl, headers } = await negotiated(service);
    expect((await fetch(connectUrl.replace(/id=[^&]+/, 'id=unknown'), { headers })).status).toBe(404);
    expect((await fetch(connectUrl.replace(/&id=[^&]+/, ''), { method: 'POST', headers })).status).toBe(400);
  });
});
