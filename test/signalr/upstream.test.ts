import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { mintClientAccessToken } from '../../local/signalr/accessTokens.js';
import { verifyUpstreamSignature } from '../../local/signalr/upstreamSignature.js';
import { accessKeyOf, Fixture, HUB } from './helpers.js';

const fixture = new Fixture();
const servers: Server[] = [];
afterEach(async () => {
  await fixture.dispose();
  await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
});

interface UpstreamCall {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A stand-in for the Functions host's /runtime/webhooks/signalr: records calls, answers via `reply`. */
async function startUpstream(reply: (call: UpstreamCall) => { status: number; body?: string }) {
  const calls: UpstreamCall[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += String(chunk);
    const call = { headers: request.headers, body };
    calls.push(call);
    waiters.splice(0).forEach((wake) => wake());
    const { status, body: text } = reply(call);
    response.writeHead(status, { 'Content-Type': 'application/json' }).end(text);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/runtime/webhooks/signalr`;
  const nextEvent = async (event: string): Promise<UpstreamCall> => {
    for (;;) {
      const found = calls.find((c) => c.headers['x-asrs-event'] === event);
      if (found) return found;
      await new Promise<void>((wake) => waiters.push(wake));
    }
  };
  /** Resolves once `count` calls of `event` have come, with them. */
  const events = async (event: string, count: number): Promise<UpstreamCall[]> => {
    for (;;) {
      const found = calls.filter((c) => c.headers['x-asrs-event'] === event);
      if (found.length >= count) return found;
      await new Promise<void>((wake) => waiters.push(wake));
    }
  };
  return { url, nextEvent, events };
}

describe('upstream events', () => {
  it('posts connected, invocations and disconnected with X-ASRS headers and a valid signature', async () => {
    const upstream = await startUpstream(({ headers }) => {
      if (headers['x-asrs-event'] === 'shout')
        return { status: 200, body: '{"type":3,"invocationId":"0","result":"HI"}\x1e' };
      if (headers['x-asrs-event'] === 'broken') return { status: 500 };
      return { status: 200 };
    });
    const service = await fixture.start({ upstream: { url: upstream.url } });
    const key = accessKeyOf(service);
    const connection = await fixture.connect(service, key, { userId: 'alice' });
    const id = connection.connectionId!;

    const connected = await upstream.nextEvent('connected');
    expect(connected.headers).toMatchObject({
      'x-asrs-hub': HUB,
      'x-asrs-category': 'connections',
      'x-asrs-connection-id': id,
      'x-asrs-user-id': 'alice',
      'content-type': 'application/json',
    });
    expect(verifyUpstreamSignature(connected.headers['x-asrs-signature'] as string, id, [key])).toBe(true);
    expect(verifyUpstreamSignature(connected.headers['x-asrs-signature'] as string, id, ['other-key'])).toBe(false);
    expect(connected.headers['x-asrs-user-claims']).toMatch(/nameid: alice/);
    expect(connected.headers['x-asrs-client-query']).not.toMatch(/access_token/);
    expect(JSON.parse(connected.body)).toEqual({ type: 10 });

    // invoke(): the upstream's Completion result goes back to the caller; a failure becomes the Azure error text.
    await expect(connection.invoke('shout', 'hi')).resolves.toBe('HI');
    const shout = await upstream.nextEvent('shout');
    expect(shout.headers['x-asrs-category']).toBe('messages');
    expect(JSON.parse(shout.body.slice(0, shout.body.indexOf('\x1e')))).toEqual({
      type: 1,
      invocationId: '0',
      target: 'shout',
      arguments: ['hi'],
    });
    await expect(connection.invoke('broken')).rejects.toThrow(/Invocation failed, status code 500/);

    await connection.stop();
    const disconnected = await upstream.nextEvent('disconnected');
    expect(disconnected.headers['x-asrs-connection-id']).toBe(id);
    expect(JSON.parse(disconnected.body)).toMatchObject({ type: 11 });
  });

  it('sends each connection its connect query as the client sent it, without the access token', async () => {
    const upstream = await startUpstream(() => ({ status: 200 }));
    const service = await fixture.start({ upstream: { url: upstream.url } });
    const { url, accessToken } = await mintClientAccessToken({
      endpoint: service.url,
      accessKey: accessKeyOf(service),
      hub: HUB,
    });
    const negotiate = async () => {
      const response = await fetch(`${url.replace('/client/?', '/client/negotiate?')}&negotiateVersion=1`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${accessToken}` },
      });
      return ((await response.json()) as { connectionToken: string }).connectionToken;
    };
    const [told, extended] = [await negotiate(), await negotiate()];
    const queries = [`?hub=${HUB}&id=${told}`, `?hub=${HUB}&id=${extended}&extra=1`, `?hub=${HUB}&extra=2`];
    const sockets = queries.map((query) => {
      const socket = new WebSocket(
        `${service.url.replace('http:', 'ws:')}/client/${query}&access_token=${accessToken}`,
      );
      socket.once('open', () => socket.send('{"protocol":"json","version":1}\x1e'));
      return socket;
    });
    const sent = (calls: { headers: Record<string, unknown> }[]) => calls.map((c) => c.headers['x-asrs-client-query']);
    expect(new Set(sent(await upstream.events('connected', 3)))).toEqual(new Set(queries));
    for (const socket of sockets) socket.close();
    expect(new Set(sent(await upstream.events('disconnected', 3)))).toEqual(new Set(queries));
  });

  it('completes invoke() with a clear error when no upstream is configured', async () => {
    const service = await fixture.start();
    const connection = await fixture.connect(service, accessKeyOf(service));
    await expect(connection.invoke('anything')).rejects.toThrow(/has no upstream/);
  });
});
