import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { httpProblems } from './httpProblems.js';
import { rawProblemResponse, type Problem } from './problemJson.js';

export type HttpTimeouts = { headersMs: number; requestMs: number };

/**
 * Kestrel's request-headers timeout (30 s) and Node's own request timeout (5 min). Node checks them on an
 * interval; checking every second (or faster for short test timeouts) closes a stalled connection on time.
 */
export const DEFAULT_HTTP_TIMEOUTS: HttpTimeouts = { headersMs: 30_000, requestMs: 300_000 };

/**
 * The HTTP server of a local part (the Functions host, the SignalR service): a client that stalls in its headers
 * or body is cut off (408), and whatever Node's parser refuses (an unknown method, a malformed line, headers too
 * large) is answered as problem+json rather than with Node's bare status line. The Host header is checked by the
 * handler (resolveRequestTarget), which answers as problem+json.
 */
export function createLocalHttpServer(
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
  server.on('connect', (_req: IncomingMessage, socket: Duplex) => refuseOnSocket(socket, httpProblems.noTunnels()));
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // As Node's own handler does: answer unless a response has already started on this socket.
    const current = (socket as { _httpMessage?: ServerResponse })._httpMessage;
    if (socket.writable && !current?.headersSent) refuseOnSocket(socket, problemFor(error));
    else socket.destroy();
  });
  return server;
}

function problemFor(error: NodeJS.ErrnoException): Problem {
  if (error.code === 'HPE_HEADER_OVERFLOW') return httpProblems.headersTooLarge();
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') return httpProblems.requestTimeout();
  return httpProblems.badRequest(`The request is not valid HTTP/1.1 (${error.code ?? 'parse error'}).`);
}

export function refuseOnSocket(socket: Duplex, problem: Problem): void {
  closeWithResponse(socket, rawProblemResponse(problem));
}

/**
 * Writes a whole HTTP response on a socket the HTTP server no longer tracks (after a parse error, a CONNECT, or an
 * upgrade that is refused), then closes it: such a socket is not among those `closeAllConnections` ends, so left
 * half-open it would hold the server's close.
 */
export function closeWithResponse(socket: Duplex, response: Buffer): void {
  // Node leaves no error listener on a socket it handed to an upgrade handler: a reset must not throw.
  socket.on('error', () => socket.destroy());
  socket.resume(); // whatever else the client sends is read and dropped, so it cannot stall the answer
  socket.end(response, () => socket.destroy());
}
