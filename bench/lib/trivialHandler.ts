import type { IncomingMessage, ServerResponse } from 'node:http';

export const TRIVIAL_BODY = 'Hello, world';

/** The baseline of figure 1: what the `hello` fixture function answers, on bare node:http. */
export function trivialHandler(_request: IncomingMessage, response: ServerResponse): void {
  response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
  response.end(TRIVIAL_BODY);
}
