import { WebSocket } from 'ws';
import type { Transport, TransportFrame, TransportPeer } from './transport.js';

/** WebSockets: JSON hub messages go out as text frames, whole records per frame. */
export class WebSocketTransport implements Transport {
  readonly kind = 'webSockets';
  readonly inherentKeepAlive = false;

  constructor(
    private readonly socket: WebSocket,
    connection: TransportPeer,
  ) {
    socket.on('message', (data, isBinary) => {
      if (isBinary) {
        connection.close('Binary frames are not supported: the local service speaks only the JSON protocol.', false);
        return;
      }
      connection.receive(data.toString());
    });
    socket.on('close', () => connection.transportClosed());
    socket.on('error', () => connection.transportClosed('WebSocket error'));
  }

  write(frame: TransportFrame): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(frame.text, { binary: false });
  }

  end(): void {
    this.socket.close(1000);
  }

  pollPending(): boolean {
    return false;
  }
}
