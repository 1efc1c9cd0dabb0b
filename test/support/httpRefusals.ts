import { connect } from 'node:net';
import { expect } from 'vitest';
import { rawRequest, type RawResponse } from '../host/helpers/rawHttp.js';

/** Checks that `response` is a problem+json answer with `status`, and returns the problem. */
export function expectProblem(response: RawResponse, status: number): { detail: string } {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
  const problem = JSON.parse(response.body) as { status: number; detail: string; type: string };
  expect(problem).toMatchObject({ type: 'about:blank', status });
  return problem;
}

/**
 * Requests that Node's HTTP parser refuses (the server must answer 400 naming the HPE_ code), as `[what, bytes]`
 * rows for `it.each`, aimed at the paths of the server under test.
 */
export function unparsableRequests(paths: { unknownMethod: string; get: string; post: string }): [string, string][] {
  return [
    ['an unknown method', `FOO ${paths.unknownMethod} HTTP/1.1\r\nHost: localhost\r\n\r\n`],
    ['a broken request line', `GET\r\n\r\n`],
    ['a header line without a colon', `GET ${paths.get} HTTP/1.1\r\nHost: localhost\r\nnonsense\r\n\r\n`],
    [
      'two Content-Length values',
      `POST ${paths.post} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nx`,
    ],
  ];
}

/**
 * Sends headers that never end and checks the server answers 408 problem+json once its headers timeout passes.
 * Callers configure a timeout of 300 ms, checked every 75 ms: 5 s is well before Node's default of a minute or more.
 */
export async function expectHeadersTimeout(port: number, path: string): Promise<RawResponse> {
  const started = Date.now();
  const response = await rawRequest(port, `GET ${path} HTTP/1.1\r\nHost: localhost\r\nX-Slow: 1\r\n`);
  expectProblem(response, 408);
  expect(Date.now() - started).toBeLessThan(5000);
  return response;
}

/** Opens a connection that sends nothing and checks the server answers 408 and closes it. */
export async function expectIdleConnectionClosed(port: number): Promise<void> {
  const socket = connect(port, '127.0.0.1');
  const received: Buffer[] = [];
  const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
  socket.on('data', (chunk: Buffer) => received.push(chunk));
  socket.on('error', () => undefined);
  await closed;
  expect(Buffer.concat(received).toString()).toMatch(/^HTTP\/1\.1 408 /);
}
