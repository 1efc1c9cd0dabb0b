import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Transport, TransportFrame, TransportPeer } from './transport.js';

/** Server-Sent Events for server→client; the client sends with POSTs handled by the endpoint. */
export class ServerSentEventsTransport implements Transport {
  readonly kind = 'serverSentEvents';
  readonly inherentKeepAlive = false;

  constructor(
    request: IncomingMessage,
    private readonly response: ServerResponse,
    connection: TransportPeer,
  ) {
    response.writeHead(200, {
      'Content-Type': 'text/event-stream',
      'Cache-Control': 'no-cache,no-store',
      Pragma: 'no-cache',
      'Content-Encoding': 'identity',
      'X-Accel-Buffering': 'no',
    });
    request.socket.setNoDelay(true);
    // A comment line makes browsers fire `open` (the client's connect waits for it) before any data exists.
    response.write(':\r\n');
    response.on('close', () => connection.transportClosed());
  }

  write(frame: TransportFrame): void {
    if (!this.response.writableEnded) this.response.write(frame.sse);
  }

  end(): void {
    if (!this.response.writableEnded) this.response.end();
  }

  pollPending(): boolean {
    return false;
  }

  settled(): boolean {
    return true;
  }
}
