import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignalRService } from '../../local/signalr/service.js';
import { rawRequest, type RawResponse } from '../host/helpers/rawHttp.js';
import { Fixture, HUB } from './helpers.js';

/** What the service answers to requests no well-behaved client sends, as raw bytes on a socket. */
const fixture = new Fixture();
let service: SignalRService;

beforeAll(async () => {
  service = await fixture.start({ httpTimeouts: { headersMs: 300, requestMs: 2000 } });
});
afterAll(() => fixture.dispose());

const raw = (request: string): Promise<RawResponse> => rawRequest(service.port, request);

function expectProblem(response: RawResponse, status: number): { detail: string } {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
  const problem = JSON.parse(response.body) as { status: number; detail: string; type: string };
  expect(problem).toMatchObject({ type: 'about:blank', status });
  return problem;
}

describe("what Node's HTTP parser refuses is answered as problem+json", () => {
  it.each([
    ['an unknown method', `FOO /client/negotiate?hub=${HUB} HTTP/1.1\r\nHost: localhost\r\n\r\n`],
    ['a broken request line', `GET\r\n\r\n`],
    ['a header line without a colon', `GET /api/health HTTP/1.1\r\nHost: localhost\r\nnonsense\r\n\r\n`],
    [
      'two Content-Length values',
      `POST /api/hubs/${HUB}/:send HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx`,
    ],
    [
      'a malformed chunk',
      `POST /client/?hub=${HUB}&id=x HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n`,
    ],
  ])('400 for %s', async (_, request) => {
    const problem = expectProblem(await raw(request), 400);
    expect(problem.detail).toMatch(/not valid HTTP\/1\.1 \(HPE_/);
  });

  it('431 for headers larger than Node accepts', async () => {
    expectProblem(
      await raw(`GET /api/health HTTP/1.1\r\nHost: localhost\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
      431,
    );
  });

  it('405 for CONNECT: the service is no proxy', async () => {
    expectProblem(await raw(`CONNECT localhost:1 HTTP/1.1\r\nHost: localhost\r\n\r\n`), 405);
  });

  it('400 for an HTTP/1.1 request without Host, or a target that is not a path', async () => {
    expectProblem(await raw('GET /api/health HTTP/1.1\r\nConnection: close\r\n\r\n'), 400);
    expectProblem(await raw('OPTIONS * HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n'), 400);
  });

  it('closes a connection that never finishes its headers once the headers timeout passes (408)', async () => {
    const started = Date.now();
    const response = await raw(`GET /client/?hub=${HUB} HTTP/1.1\r\nHost: localhost\r\nX-Slow: 1\r\n`);
    expectProblem(response, 408);
    // 300 ms timeout, checked every 75 ms: well before Node's default of a minute or more.
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('also closes a connection that opened and sent nothing', async () => {
    const socket = connect(service.port, '127.0.0.1');
    const received: Buffer[] = [];
    const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
    socket.on('data', (chunk: Buffer) => received.push(chunk));
    socket.on('error', () => undefined);
    await closed;
    expect(Buffer.concat(received).toString()).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('answers a path outside the client endpoints and the REST API as problem+json, on HTTP and on an upgrade', async () => {
    expect(expectProblem(await raw('GET /nothing HTTP/1.1\r\nHost: localhost\r\n\r\n'), 404).detail).toContain(
      '/client/?hub=',
    );
    const upgrade =
      'GET /nothing HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
      'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n';
    expectProblem(await raw(upgrade), 404);
  });
});
