import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { closeWithResponse } from '../shared/localHttpServer.js';
import type { ServiceConnection } from './connection.js';
import { bearerToken, HttpError, readBody, sendJson } from './http.js';
import { ClientAuthError, isValidHubName, type ServiceCore } from './serviceCore.js';
import { LongPollingTransport } from './transports/longPollingTransport.js';
import { ServerSentEventsTransport } from './transports/serverSentEventsTransport.js';
import type { WebSocketTransportServer } from './transports/webSocketTransport.js';

const AVAILABLE_TRANSPORTS = [
  { transport: 'WebSockets', transferFormats: ['Text', 'Binary'] },
  { transport: 'ServerSentEvents', transferFormats: ['Text'] },
  { transport: 'LongPolling', transferFormats: ['Text', 'Binary'] },
];

/** `/client/negotiate` and `/client/` over plain HTTP: negotiate, SSE, long polling and their POST/DELETE. */
export async function handleClientRequest(
  core: ServiceCore,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  if (/^\/client\/negotiate\/?$/.test(url.pathname)) return negotiate(core, request, response, url);
  if (!/^\/client\/?$/.test(url.pathname)) throw new HttpError(404, `no client endpoint at ${url.pathname}`);
  const connection = findConnection(core, url);
  switch (request.method) {
    case 'GET':
      return openOrPoll(core, connection, request, response, url);
    case 'POST':
      return receive(connection, request, response);
    case 'DELETE':
      if (!(connection.transport instanceof LongPollingTransport)) {
        throw new HttpError(400, 'DELETE is only for long-polling connections');
      }
      connection.transport.stop();
      response.writeHead(202).end();
      return;
    default:
      throw new HttpError(405, `${request.method} is not allowed on /client/`);
  }
}

/** A WebSocket upgrade on `/client/`: with `id` after negotiate, or without (skipNegotiation) as a new connection. */
export function handleClientUpgrade(
  core: ServiceCore,
  wss: WebSocketTransportServer,
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  url: URL,
): void {
  // Node leaves an upgraded socket without an error listener; until ws takes it over, a reset must not throw.
  const dropOnError = () => socket.destroy();
  socket.on('error', dropOnError);
  void (async () => {
    if (!/^\/client\/?$/.test(url.pathname)) throw new HttpError(404, `no client endpoint at ${url.pathname}`);
    if (request.method !== 'GET') throw new HttpError(405, `a WebSocket upgrade must be a GET, not ${request.method}`);
    const hub = requireHub(url);
    const named = url.searchParams.has('id') ? findConnection(core, url) : undefined;
    const { claims } = await authenticate(core, request, url, hub, named);
    let connection: ServiceConnection;
    if (named !== undefined) {
      // The sweep may have forgotten it while the token was being verified.
      if (!core.holds(named)) throw new HttpError(404, NO_CONNECTION);
      connection = named;
      checkSameHub(connection, hub);
      if (connection.state !== 'negotiated') throw new HttpError(409, 'the connection already has a transport');
    } else {
      connection = core.createConnection(hub, claims, true);
    }
    // ws checks the socket is still open: a client that gave up during verification is simply dropped.
    socket.off('error', dropOnError);
    wss.handleUpgrade(request, socket, head, (ws) =>
      connection.attach(ws.carry(connection, socket), clientQuery(connection, url)),
    );
  })().catch((error: unknown) => {
    if (error instanceof HttpError) rejectUpgrade(socket, error.status, error.message);
    else rejectUpgrade(socket, 500, 'internal error');
  });
}

/** Refuses a WebSocket upgrade in the client endpoint's words: plain text, as its HTTP answers. */
export function rejectUpgrade(socket: Duplex, status: number, message: string): void {
  const body = Buffer.from(message, 'utf8');
  const head =
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
    `Content-Length: ${body.length}\r\nConnection: close\r\n\r\n`;
  closeWithResponse(socket, Buffer.concat([Buffer.from(head, 'latin1'), body]));
}

async function negotiate(core: ServiceCore, request: IncomingMessage, response: ServerResponse, url: URL) {
  if (request.method !== 'POST') throw new HttpError(405, 'negotiate must be a POST');
  const hub = requireHub(url);
  const { claims, token } = await authenticate(core, request, url, hub);
  const version = Number(url.searchParams.get('negotiateVersion') ?? '0');
  const connection = core.createConnection(hub, claims, version >= 1, token);
  // Stateful reconnect is never offered: the client then runs the plain protocol even if it asked.
  sendJson(response, 200, {
    connectionId: connection.id,
    ...(version >= 1
      ? { connectionToken: core.connectionToken(connection), negotiateVersion: 1 }
      : { negotiateVersion: 0 }),
    availableTransports: AVAILABLE_TRANSPORTS,
  });
}

async function openOrPoll(
  core: ServiceCore,
  connection: ServiceConnection,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
): Promise<void> {
  const transport = connection.transport;
  if (transport instanceof LongPollingTransport) return transport.poll(response);
  if (connection.state !== 'negotiated') {
    throw new HttpError(connection.state === 'closed' ? 404 : 409, 'the connection already has a transport');
  }
  const hub = requireHub(url);
  await authenticate(core, request, url, hub, connection);
  checkSameHub(connection, hub);
  // Another GET may have attached a transport while this one was being verified.
  if (connection.state !== 'negotiated') throw new HttpError(409, 'the connection already has a transport');
  if ((request.headers.accept ?? '').includes('text/event-stream')) {
    connection.attach(new ServerSentEventsTransport(request, response, connection), clientQuery(connection, url));
    return;
  }
  connection.attach(new LongPollingTransport(connection, core.options.clock), clientQuery(connection, url));
  // The first poll returns at once: the client's connect (and so its handshake) waits for it.
  response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': '0' }).end();
}

async function receive(connection: ServiceConnection, request: IncomingMessage, response: ServerResponse) {
  const kind = connection.transport?.kind;
  if (kind === 'webSockets') throw new HttpError(405, 'POST not allowed: this connection uses WebSockets');
  if (kind === undefined) throw new HttpError(400, 'the connection has no transport yet');
  const body = await readBody(request);
  if (connection.state === 'closed') throw new HttpError(404, 'the connection is closed');
  connection.receive(body.toString('utf8'));
  response.writeHead(200, { 'Content-Length': '0' }).end();
}

const NO_CONNECTION = 'No Connection with that ID';

function findConnection(core: ServiceCore, url: URL): ServiceConnection {
  const id = url.searchParams.get('id');
  if (!id) throw new HttpError(400, 'Connection ID required');
  const connection = core.findConnection(id);
  if (!connection) throw new HttpError(404, NO_CONNECTION);
  return connection;
}

function requireHub(url: URL): string {
  const hub = url.searchParams.get('hub');
  if (!hub) throw new HttpError(400, 'the hub query parameter is required (…/client/?hub=<hub>)');
  if (!isValidHubName(hub)) throw new HttpError(400, `invalid hub name '${hub}'`);
  return hub;
}

/** Verifies the request's access token (see `authenticateClient`): its claims, and the token itself. */
async function authenticate(
  core: ServiceCore,
  request: IncomingMessage,
  url: URL,
  hub: string,
  negotiated?: ServiceConnection,
) {
  const token = bearerToken(request) ?? url.searchParams.get('access_token') ?? undefined;
  try {
    return { claims: await core.authenticateClient(token, hub, request, negotiated), token };
  } catch (error) {
    if (error instanceof ClientAuthError) throw new HttpError(401, `Unauthorized: ${error.message}`);
    throw error;
  }
}

function checkSameHub(connection: ServiceConnection, hub: string): void {
  if (connection.hub !== hub.toLowerCase()) throw new HttpError(404, 'No Connection with that ID in this hub');
}

/**
 * The connect query as upstream sees it (`X-ASRS-Client-Query`), without the access token; undefined when it is the
 * one the client was told to use (its `id` is the connection's token, as `findConnection` checked), which the
 * connection rebuilds rather than keeps.
 */
function clientQuery(connection: ServiceConnection, url: URL): string | undefined {
  const query = new URLSearchParams(url.search);
  query.delete('access_token');
  const text = query.toString();
  const id = query.get('id');
  if (id !== null && text === `hub=${connection.hub}&id=${id}`) return undefined;
  // The serializer returns a rope of slices that keeps the whole URL alive, and a connection keeps its query as
  // long as it lives: one flat copy instead (the text is percent-encoded ASCII, so latin1 is exact).
  return text ? Buffer.from(`?${text}`, 'latin1').toString('latin1') : '';
}
