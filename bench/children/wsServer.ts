// Bench child: a WebSocket server under test alone in its process (figures 4 and 5), so its memory is its own.
// `signalr` is the local SignalR service; `bare` is a plain `ws` server that holds sockets and, on
// POST /broadcast, writes the request body as one text frame to every socket (figure 5's baseline), corking each
// socket for the rest of the event-loop turn as the service does, so both coalesce sends that arrive together.
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { startSignalRService, type SignalRService } from '../../local/signalr/index.js';
import { settledMemory } from '../lib/memory.js';
import { serveRpc } from '../lib/rpc.js';

export type WsServerKind = 'signalr' | 'bare';

let signalr: SignalRService | undefined;
let bare: { server: Server; wss: WebSocketServer } | undefined;

async function startBare(): Promise<number> {
  const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false });
  const tcpOf = new WeakMap<WebSocket, Duplex>();
  let corked: Duplex[] = [];
  const uncorkAll = (): void => {
    const sockets = corked;
    corked = [];
    for (const tcp of sockets) tcp.uncork();
  };
  const send = (socket: WebSocket, frame: Buffer): void => {
    const tcp = tcpOf.get(socket);
    if (tcp && tcp.writableCorked === 0) {
      if (corked.length === 0) setImmediate(uncorkAll);
      tcp.cork();
      corked.push(tcp);
    }
    socket.send(frame, { binary: false });
  };
  const server = createServer((request, response) => {
    if (request.method !== 'POST' || request.url !== '/broadcast') {
      response.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const frame = Buffer.concat(chunks);
      for (const socket of wss.clients) send(socket, frame);
      response.writeHead(202, { 'content-length': '0' }).end();
    });
  });
  // `wss.clients` tracks every upgraded socket (clientTracking); the callback only notes its TCP socket.
  server.on('upgrade', (request, socket, head) =>
    wss.handleUpgrade(request, socket, head, (ws) => tcpOf.set(ws, socket)),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  bare = { server, wss };
  return (server.address() as AddressInfo).port;
}

export const wsServerApi = {
  /** Starts the server; `accessKey` is set for `signalr` (clients sign their tokens with it). */
  async start(kind: WsServerKind): Promise<{ port: number; accessKey?: string }> {
    if (kind === 'bare') return { port: await startBare() };
    const accessKey = randomBytes(32).toString('base64');
    signalr = await startSignalRService({ port: 0, accessKey, log: () => undefined });
    return { port: signalr.port, accessKey };
  },
  /** Open connections: past the handshake for SignalR, upgraded for bare. */
  async connections(): Promise<number> {
    return signalr ? signalr.stats().connections : (bare?.wss.clients.size ?? 0);
  },
  memory: settledMemory,
};
export type WsServerApi = typeof wsServerApi;

serveRpc(wsServerApi, async () => {
  await signalr?.close();
  if (bare) {
    for (const socket of bare.wss.clients) socket.terminate();
    await new Promise((resolve) => bare!.server.close(resolve));
  }
});
