import { WebSocket } from 'ws';
import type { ServiceConnection, Transport } from '../connection.js';
import type { OutboundFrame } from '../hubProtocol.js';

/** WebSockets: JSON hub messages go out as text frames, whole records per frame. */
export class WebSocketTransport implements Transport {
  readonly kind = 'webSockets';
  readonly inherentKeepAlive = false;

  constructor(
    private readonly socket: WebSocket,
    connection: ServiceConnection,
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

  write(frame: OutboundFrame): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(frame.text, { binary: false });
  }

  end(): void {
    this.socket.close(1000);
  }

  pollPending(): boolean {
    return false;
  }
}
