import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SignalRService } from '../../local/signalr/service.js';
import { rawRequest, type RawResponse } from '../host/helpers/rawHttp.js';
import { Fixture, HUB } from './helpers.js';
import {
  expectHeadersTimeout,
  expectIdleConnectionClosed,
  expectProblem,
  unparsableRequests,
} from '../support/httpRefusals.js';

/** What the service answers to requests no well-behaved client sends, as raw bytes on a socket. */
const fixture = new Fixture();
let service: SignalRService;

beforeAll(async () => {
  service = await fixture.start({ httpTimeouts: { headersMs: 300, requestMs: 2000 } });
});
afterAll(() => fixture.dispose());

const raw = (request: string): Promise<RawResponse> => rawRequest(service.port, request);

describe("what Node's HTTP parser refuses is answered as problem+json", () => {
  it.each([
    ...unparsableRequests({
      unknownMethod: `/client/negotiate?hub=${HUB}`,
      get: '/api/health',
      post: `/api/hubs/${HUB}/:send`,
    }),
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
    await expectHeadersTimeout(service.port, `/client/?hub=${HUB}`);
  });

  it('also closes a connection that opened and sent nothing', async () => {
    await expectIdleConnectionClosed(service.port);
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
