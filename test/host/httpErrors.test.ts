import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunctionsHost, type FunctionsHost } from '../../local/host/index.js';
import { CaptureLogger } from './helpers/captureLogger.js';
import { copyFixture, type FixtureApp } from './helpers/fixtureApp.js';
import { rawRequest, type RawResponse } from './helpers/rawHttp.js';
import {
  expectHeadersTimeout,
  expectIdleConnectionClosed,
  expectProblem,
  unparsableRequests,
} from '../support/httpRefusals.js';

let app: FixtureApp;
let host: FunctionsHost;
const logger = new CaptureLogger();

beforeAll(async () => {
  app = copyFixture('http-app', {
    IsEncrypted: false,
    Values: { FUNCTIONS_WORKER_RUNTIME: 'node' },
    Host: { CORS: 'http://allowed.example' },
  });
  host = await startFunctionsHost({
    appDir: app.dir,
    port: 0,
    env: {},
    logger,
    allowedHosts: ['orders.test'],
    timeouts: { headersMs: 300, requestMs: 2000 },
  });
});

afterAll(async () => {
  await host?.close();
  app?.remove();
});

const raw = (request: string): Promise<RawResponse> => rawRequest(host.port, request);
const get = (path: string, host_: string) => raw(`GET ${path} HTTP/1.1\r\nHost: ${host_}\r\nConnection: close\r\n\r\n`);

describe("what Node's HTTP parser refuses is answered as problem+json", () => {
  it.each(unparsableRequests({ unknownMethod: '/api/echo/1', get: '/', post: '/api/echo/1' }))(
    '400 for %s',
    async (_, request) => {
      const problem = expectProblem(await raw(request), 400);
      expect(problem.detail).toMatch(/not valid HTTP\/1\.1 \(HPE_/);
    },
  );

  it('431 for headers larger than Node accepts', async () => {
    expectProblem(await raw(`GET / HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`), 431);
  });

  it('closes a connection that never finishes its headers once the headers timeout passes (408)', async () => {
    const response = await expectHeadersTimeout(host.port, '/api/echo/1');
    expect(response.closed || response.headers.get('connection') === 'close').toBe(true);
  });

  it('also closes a connection that opened and sent nothing', async () => {
    await expectIdleConnectionClosed(host.port);
  });
});

describe('Host header', () => {
  it.each(['localhost', 'LOCALHOST', 'localhost.', 'app.localhost', '127.0.0.1', '127.8.9.10', '[::1]', 'orders.test'])(
    'serves %s',
    async (name) => {
      const response = await get('/api/echo/1', `${name}:${host.port}`);
      expect(response.status).toBe(200);
    },
  );

  it.each([
    'evil.example',
    'localhost.evil.example',
    '127.0.0.1.nip.io',
    '0.0.0.0',
    '10.0.0.1',
    'localhost@evil.example',
    'localhost/evil',
    'local host',
    '[::2]',
    'sub.orders.test',
  ])('refuses %s with 403', async (name) => {
    const problem = expectProblem(await get('/api/echo/1', name), 403);
    expect(problem.detail).toContain('--allowed-hosts');
  });

  it('refuses a foreign name in an absolute-form target, whatever the Host header says', async () => {
    expectProblem(await get('http://evil.example/api/echo/1', 'localhost'), 403);
    expect((await get(`http://localhost:${host.port}/api/echo/1`, 'evil.example')).status).toBe(200);
  });

  it('needs a Host header in HTTP/1.1, not in HTTP/1.0', async () => {
    expectProblem(await raw('GET /api/echo/1 HTTP/1.1\r\nConnection: close\r\n\r\n'), 400);
    const old = await raw('GET /api/echo/1 HTTP/1.0\r\n\r\n');
    expect(old.status).toBe(200);
    expect((JSON.parse(old.body) as { url: string }).url).toBe(`http://127.0.0.1:${host.port}/api/echo/1`);
  });

  it('gives the app a request URL built from the checked name, never from what else the header carried', async () => {
    const response = await get('/api/echo/1?x=1', 'ORDERS.test:4321');
    expect((JSON.parse(response.body) as { url: string }).url).toBe('http://orders.test:4321/api/echo/1?x=1');
  });

  it('keeps a path that starts with // a path', async () => {
    const response = await get('//evil.example/api/echo/1', 'localhost');
    expectProblem(response, 404);
  });
});

describe('admin API', () => {
  const admin = (path: string, init: RequestInit = {}) => fetch(`${host.url}${path}`, init);
  const key = () => ({ 'x-functions-key': host.masterKey });

  it('needs the master key in x-functions-key or ?code=, the header winning', async () => {
    const wrongKeys: Record<string, string>[] = [
      {},
      { 'x-functions-key': 'wrong' },
      { 'x-functions-key': `${host.masterKey}x` },
    ];
    for (const headers of wrongKeys) {
      const response = await admin('/admin/functions', { headers });
      expect(response.status).toBe(401);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(((await response.json()) as { detail: string }).detail).toContain('master key');
    }
    expect((await admin('/admin/functions', { headers: key() })).status).toBe(200);
    expect((await admin(`/admin/host/status?code=${encodeURIComponent(host.masterKey)}`)).status).toBe(200);
    const headerWins = await admin(`/admin/host/status?code=${host.masterKey}`, {
      headers: { 'x-functions-key': 'wrong' },
    });
    expect(headerWins.status).toBe(401);
  });

  it('answers ping without a key, as the Functions host does', async () => {
    expect((await admin('/admin/host/ping')).status).toBe(200);
    expect((await admin('/admin/host/ping', { method: 'POST' })).status).toBe(200);
  });

  it('refuses an admin invocation posted by another web page, even with the key', async () => {
    const post = (headers: Record<string, string>) =>
      admin('/admin/functions/echo', { method: 'POST', body: '{"input":"x"}', headers: { ...key(), ...headers } });
    const crossSite: Record<string, string>[] = [
      { Origin: 'http://evil.example', 'Content-Type': 'text/plain' },
      { Origin: 'null' },
      { 'Sec-Fetch-Site': 'cross-site' },
    ];
    for (const headers of crossSite) {
      const response = await post(headers);
      expect(response.status).toBe(403);
      expect(((await response.json()) as { detail: string }).detail).toContain('refuses requests from other web pages');
    }
    // echo is an HTTP function, so an allowed request gets as far as the 400 that says so.
    expect((await post({ Origin: 'http://allowed.example' })).status).toBe(400);
    expect((await post({ Origin: host.url })).status).toBe(400);
    expect((await post({})).status).toBe(400);
  });

  it('answers unknown admin paths 404 and wrong methods 405 with Allow, as problem+json', async () => {
    const missing = await admin('/admin/nothing/here', { headers: key() });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
    const wrong = await admin('/admin/functions', { method: 'DELETE', headers: key() });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('GET');
  });

  it('answers a bad admin body with problem+json', async () => {
    const response = await admin('/admin/functions/echo', { method: 'POST', body: 'not json', headers: key() });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { detail: string }).detail).toContain('"input"');
  });
});
