import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData, type Server } from 'ws';
import type { Transport, TransportFrame, TransportPeer } from './transport.js';

/**
 * Sockets written to in this turn of the event loop. Each is corked at its first frame and uncorked once the loop
 * has run every callback of the turn, so the frames of several sends that arrived together leave in one write
 * (one system call, one segment for the client to read) instead of one each.
 */
let corked: Duplex[] = [];

function uncorkAll(): void {
  const sockets = corked;
  corked = [];
  for (const socket of sockets) socket.uncork();
}

/**
 * WebSockets: JSON hub messages go out as text frames, whole records per frame. The `ws` socket is the transport
 * itself (`ws` builds every socket of `webSocketServer()` as this class), so a service holding thousands of
 * sockets keeps no transport object and no socket → connection map beside each.
 *
 * Frames are written straight to the upgraded TCP socket, framed once per message (`TransportFrame.webSocket`),
 * not by `ws` once per socket: `ws` writes every frame of its own synchronously (the server disables per-message
 * deflate, the only reason it would queue, and never sends Blobs), so these writes and its own (close, pong)
 * keep their order, corked or not: a corked socket queues both in the order written, and `end` flushes it.
 */
export class WebSocketTransport extends WebSocket implements Transport {
  /** The connection this socket carries, from `carry` on. */
  peer: TransportPeer | undefined;
  /** The TCP socket this one was upgraded from. */
  tcp: Duplex | undefined;

  get kind(): 'webSockets' {
    return 'webSockets';
  }

  get inherentKeepAlive(): boolean {
    return false;
  }

  /** Starts carrying `connection`: its records in, its frames out through `tcp`. */
  carry(connection: TransportPeer, tcp: Duplex): this {
    this.peer = connection;
    this.tcp = tcp;
    return this;
  }

  /**
   * Takes the events the connection needs as `ws` emits them. Listeners would cost each socket a listener array
   * and turn its `_events` into a dictionary, together more than the connection's own record.
   */
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    const connection = this.peer;
    if (connection !== undefined) {
      if (event === 'message') {
        receive(connection, args[0] as RawData, args[1] as boolean);
      } else if (event === 'close') {
        connection.transportClosed();
      } else if (event === 'error') {
        connection.transportClosed('WebSocket error');
        if (this.listenerCount('error') === 0) return true; // handled: not an unhandled 'error' event
      }
    }
    return super.emit(event, ...args);
  }

  write(frame: TransportFrame): void {
    const tcp = this.tcp;
    if (this.readyState !== WebSocket.OPEN || !tcp) return;
    if (tcp.writableCorked === 0) {
      if (corked.length === 0) setImmediate(uncorkAll);
      tcp.cork();
      corked.push(tcp);
    }
    tcp.write(frame.webSocket);
  }

  end(): void {
    this.close(1000);
  }

  pollPending(): boolean {
    return false;
  }

  settled(): boolean {
    return this.readyState === WebSocket.CLOSED;
  }
}

/**
 * The service's WebSocket server, making every socket a `WebSocketTransport`. No per-message deflate: transports
 * write pre-framed messages beside `ws`, which only works uncompressed. No client tracking: the service reaches
 * every socket through the connection it carries (`openWebSockets`), where tracking would cost each socket a
 * `Set` entry and a close listener.
 */
export function webSocketServer(): WebSocketTransportServer {
  return new WebSocketServer({
    noServer: true,
    perMessageDeflate: false,
    clientTracking: false,
    WebSocket: WebSocketTransport,
  });
}

/** The WebSockets among `transports` whose socket is not closed yet. */
export function openWebSockets(transports: Iterable<Transport>): WebSocketTransport[] {
  const open: WebSocketTransport[] = [];
  for (const transport of transports) {
    if (transport instanceof WebSocketTransport && !transport.settled()) open.push(transport);
  }
  return open;
}

export type WebSocketTransportServer = Server<typeof WebSocketTransport>;

function receive(connection: TransportPeer, data: RawData, isBinary: boolean): void {
  if (isBinary) {
    connection.close('Binary frames are not supported: the local service speaks only the JSON protocol.', false);
    return;
  }
  connection.receive(data.toString());
}
