import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintClientAccessToken, mintRestAccessToken } from '../../local/signalr/accessTokens.js';
import type { SignalRService } from '../../local/signalr/service.js';
import { rawRequest } from '../host/helpers/rawHttp.js';
import { accessKeyOf, Fixture, HUB } from './helpers.js';

/**
 * DNS rebinding: a page on evil.example whose name resolves to 127.0.0.1 reaches the service with
 * `Host: evil.example`. The service answers only local names and the ones it is told (`allowedHosts`), over HTTP
 * and on WebSocket upgrades, before anything else runs.
 */
const fixture = new Fixture();
let service: SignalRService;
let key: string;
let port: number;

beforeAll(async () => {
  service = await fixture.start({ allowedHosts: ['orders.test'] });
  key = accessKeyOf(service);
  port = service.port;
});
afterAll(() => fixture.dispose());

const FOREIGN = [
  'evil.example',
  'localhost.evil.example',
  '127.0.0.1.nip.io',
  '0.0.0.0',
  '10.0.0.1',
  'sub.orders.test',
];
const LOCAL = ['localhost', 'LOCALHOST', 'app.localhost', '127.0.0.1', '127.8.9.10', '[::1]', 'orders.test'];

/** A POST that would create a connection, as a page could send it, addressed to `host`. */
async function negotiate(host: string): Promise<{ status: number; type: string; body: string }> {
  const { accessToken } = await mintClientAccessToken({ endpoint: `http://${host}:${port}`, accessKey: key, hub: HUB });
  const response = await rawRequest(
    port,
    `POST /client/negotiate?hub=${HUB}&negotiateVersion=1 HTTP/1.1\r\nHost: ${host}:${port}\r\n` +
      `Authorization: Bearer ${accessToken}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`,
  );
  return { status: response.status, type: response.headers.get('content-type') ?? '', body: response.body };
}

/** The answer to a WebSocket upgrade with a valid token for `host`, sent with `Host: host`. */
async function upgrade(host: string): Promise<{ status: number; type?: string; body?: string }> {
  const { url, accessToken } = await mintClientAccessToken({
    endpoint: `http://${host}:${port}`,
    accessKey: key,
    hub: HUB,
  });
  const wsUrl = `ws://127.0.0.1:${port}${new URL(url).pathname}?hub=${HUB}&access_token=${accessToken}`;
  const socket = new WebSocket(wsUrl, { headers: { Host: `${host}:${port}` } });
  socket.on('error', () => {});
  return new Promise((resolve) => {
    socket.on('unexpected-response', (request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        resolve({ status: response.statusCode ?? 0, type: response.headers['content-type'], body });
        request.destroy();
      });
    });
    socket.on('open', () => {
      resolve({ status: 101 });
      socket.terminate();
    });
  });
}

function expectHostRefused(answer: { status: number; type?: string; body?: string }, host: string): void {
  expect(answer.status).toBe(403);
  expect(answer.type).toBe('application/problem+json; charset=utf-8');
  const problem = JSON.parse(answer.body ?? '') as { status: number; detail: string };
  expect(problem.status).toBe(403);
  expect(problem.detail).toContain(`not '${host}`);
  expect(problem.detail).toContain('--allowed-hosts');
}

describe('Host names the SignalR service answers', () => {
  it.each(FOREIGN)('refuses %s on HTTP with 403 problem+json, and creates no connection', async (host) => {
    const before = service.stats().connections;
    expectHostRefused(await negotiate(host), host);
    const health = await rawRequest(port, `GET /api/health HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
    expect(health.status).toBe(403);
    expect(service.stats().connections).toBe(before);
  });

  it.each(FOREIGN)('refuses %s on a WebSocket upgrade with 403 problem+json', async (host) => {
    expectHostRefused(await upgrade(host), host);
  });

  it.each(LOCAL)('serves %s, on HTTP and on a WebSocket upgrade', async (host) => {
    const answer = await negotiate(host);
    expect(answer.status, answer.body).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ negotiateVersion: 1 });
    expect((await upgrade(host)).status).toBe(101);
  });

  it('refuses a foreign name in an absolute-form target, whatever the Host header says', async () => {
    const refused = await rawRequest(
      port,
      `GET http://evil.example/api/health HTTP/1.1\r\nHost: localhost:${port}\r\nConnection: close\r\n\r\n`,
    );
    expect(refused.status).toBe(403);
    const served = await rawRequest(
      port,
      `GET http://localhost:${port}/api/health HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`,
    );
    expect(served.status).toBe(200);
  });

  it('checks a REST token against the checked name: a token for the foreign name opens nothing', async () => {
    const path = `/api/hubs/${HUB}/users/alice/groups/g`;
    const send = async (host: string) =>
      rawRequest(
        port,
        `PUT ${path}?api-version=2022-06-01 HTTP/1.1\r\nHost: ${host}\r\n` +
          `Authorization: Bearer ${await mintRestAccessToken(`http://${host}${path}`, key)}\r\n` +
          'Content-Length: 0\r\nConnection: close\r\n\r\n',
      );
    expect((await send('evil.example')).status).toBe(403);
    expect((await send('orders.test')).status).toBe(200);
    expect((await send(`127.0.0.1:${port}`)).status).toBe(200);
  });
});
