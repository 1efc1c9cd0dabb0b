import type { Duplex } from 'node:stream';
import { WebSocket, type RawData } from 'ws';
import type { Transport, TransportFrame, TransportPeer } from './transport.js';

// One set of listeners for every socket, finding the connection through the socket: a service holds thousands of
// sockets, and three closures with their context for each cost more than the connection's own state.
const peers = new WeakMap<WebSocket, TransportPeer>();

function onMessage(this: WebSocket, data: RawData, isBinary: boolean): void {
  const connection = peers.get(this);
  if (!connection) return;
  if (isBinary) {
    connection.close('Binary frames are not supported: the local service speaks only the JSON protocol.', false);
    return;
  }
  connection.receive(data.toString());
}

function onClose(this: WebSocket): void {
  peers.get(this)?.transportClosed();
}

function onError(this: WebSocket): void {
  peers.get(this)?.transportClosed('WebSocket error');
}

/**
 * WebSockets: JSON hub messages go out as text frames, whole records per frame. Frames are written straight to the
 * upgraded TCP socket, framed once per message (`TransportFrame.webSocket`), not by `ws` once per socket: `ws`
 * writes every frame of its own synchronously (the server disables per-message deflate, the only reason it
 * would queue, and never sends Blobs), so these writes and its own (close, pong) keep their order.
 */
export class WebSocketTransport implements Transport {
  readonly kind = 'webSockets';
  readonly inherentKeepAlive = false;

  constructor(
    private readonly socket: WebSocket,
    /** The TCP socket `socket` was upgraded from. */
    private readonly tcp: Duplex,
    connection: TransportPeer,
  ) {
    peers.set(socket, connection);
    socket.on('message', onMessage);
    socket.on('close', onClose);
    socket.on('error', onError);
  }

  write(frame: TransportFrame): void {
    if (this.socket.readyState === WebSocket.OPEN) this.tcp.write(frame.webSocket);
  }

  end(): void {
    this.socket.close(1000);
  }

  pollPending(): boolean {
    return false;
  }
}
