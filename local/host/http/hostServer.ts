import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { rawProblemResponse, type Problem } from '../../shared/problemJson.js';
import { hostProblems } from './hostProblems.js';

export type HttpTimeouts = { headersMs: number; requestMs: number };

/**
 * Kestrel's request-headers timeout (30 s) and Node's own request timeout (5 min). Node checks them on an
 * interval; checking every second (or faster for short test timeouts) closes a stalled connection on time.
 */
export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { headersMs: 30_000, requestMs: 300_000 };

/**
 * The host's HTTP server: a client that stalls in its headers or body is cut off (408), and whatever Node's
 * parser refuses (an unknown method, a malformed line, headers too large) is answered as problem+json rather
 * than with Node's bare status line. The Host header is checked by the pipeline, which answers as problem+json.
 */
export function createHostServer(
  timeouts: HttpTimeouts,
  handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Server {
  const server = createServer(
    {
      headersTimeout: timeouts.headersMs,
      requestTimeout: timeouts.requestMs,
      connectionsCheckingInterval: Math.max(10, Math.min(1000, Math.floor(timeouts.headersMs / 4))),
      requireHostHeader: false,
    },
    (req, res) => void handler(req, res),
  );

  // No proxying or tunnels here: without this, Node would drop a CONNECT without a word.
  server.on('connect', (_req: IncomingMessage, socket: Socket) => refuse(socket, hostProblems.noTunnels()));
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
    // As Node's own handler does: answer unless a response has already started on this socket.
    const current = (socket as { _httpMessage?: ServerResponse })._httpMessage;
    if (socket.writable && !current?.headersSent) refuse(socket, problemFor(error));
    else socket.destroy();
  });
  return server;
}

function problemFor(error: NodeJS.ErrnoException): Problem {
  if (error.code === 'HPE_HEADER_OVERFLOW') return hostProblems.headersTooLarge();
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return hostProblems.requestTimeout();
  return hostProblems.badRequest(`The request is not valid HTTP/1.1 (${error.code ?? 'parse error'}).`);
}

/**
 * Answers on a socket the HTTP server no longer tracks (after a parse error, or a CONNECT), then closes it: such a
 * socket is not among those `closeAllConnections` ends, so left half-open it would hold the server's close.
 */
function refuse(socket: Socket, problem: Problem): void {
  socket.resume(); // whatever else the client sends is read and dropped, so it cannot stall the answer
  socket.end(rawProblemResponse(problem), () => socket.destroy());
}
