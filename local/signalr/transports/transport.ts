export type TransportKind = 'webSockets' | 'serverSentEvents' | 'longPolling';

/** A hub protocol record as transports write it: the text, its Server-Sent Events form and its WebSocket frame. */
export interface TransportFrame {
  readonly text: Buffer;
  readonly sse: Buffer;
  readonly webSocket: Buffer;
}

/** The server-to-client half of a transport. */
export interface Transport {
  readonly kind: TransportKind;
  /** Long polling: the client neither pings nor expects pings (TransportProtocols.md). */
  readonly inherentKeepAlive: boolean;
  write(frame: TransportFrame): void;
  /** Ends the transport once what was written has gone out. */
  end(): void;
  /** Long polling: a poll is parked, so the client is alive even if it sends nothing. */
  pollPending(): boolean;
  /** Nothing of it is left open: a WebSocket's socket can outlive its connection by the closing handshake. */
  settled(): boolean;
}

/** What a transport needs of the connection it carries. */
export interface TransportPeer {
  /** The client showed it is alive without sending anything (a long poll arrived or ended). */
  heard(): void;
  /** Records as the client sent them. */
  receive(text: string): void;
  close(error: string | undefined, allowReconnect: boolean): void;
  /** The transport is gone; `error` is why, if it was not a clean close. */
  transportClosed(error?: string): void;
}
