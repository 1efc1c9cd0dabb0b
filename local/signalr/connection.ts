import type { JwtClaims } from '../shared/jwt.js';
import {
  checkHandshake,
  handshakeErrorFrame,
  HANDSHAKE_OK_FRAME,
  MessageType,
  OutboundFrame,
  parseHubMessage,
  ProtocolError,
  splitRecords,
  type HubMessage,
} from './hubProtocol.js';

import type { Transport, TransportPeer } from './transports/transport.js';

export type { Transport, TransportKind } from './transports/transport.js';

/** What a connection needs from the service around it. */
export interface ConnectionEvents {
  /**
   * The service's clock in ms since the service started. Connection records keep their times in it: small
   * integers live in the record itself, where epoch milliseconds would each take a heap number of their own.
   */
  serviceTime(): number;
  /** Handshake done: join hub, user and groups; tell upstream. */
  connected(connection: ServiceConnection): void;
  /** A client Invocation (or StreamInvocation) record, raw as sent, and its parsed form. */
  invocation(connection: ServiceConnection, record: string, message: HubMessage): void;
  /** The connection is over, for whatever reason; `error` is why, if it was not a clean close. */
  closed(connection: ServiceConnection, error: string | undefined): void;
}

export type ConnectionState = 'negotiated' | 'handshaking' | 'connected' | 'closed';

/**
 * One logical SignalR connection from negotiate to close, independent of its transport. Kept small on purpose:
 * a service holds thousands of these.
 */
export class ServiceConnection implements TransportPeer {
  state: ConnectionState = 'negotiated';
  transport: Transport | undefined;
  /** Groups this connection is in (live membership), created on first join. */
  groups: Set<string> | undefined;
  /** When the client was last heard from, and last sent something, in `serviceTime()`. */
  lastReceivedAt: number;
  lastSentAt: number;
  /** When the handshake completed (0 before), in `serviceTime()`. */
  connectedAt = 0;
  closedAt = 0;
  /** The connect query string (leading `?`), for upstream's `X-ASRS-Client-Query`; set when a transport opens. */
  query = '';
  /** The access token negotiate verified, until a transport opens with it (see `authenticateClient`). */
  accessToken: string | undefined;
  #pending = '';

  constructor(
    readonly id: string,
    /** The secret `id` query value (equals `id` for negotiate v0). */
    readonly token: string,
    readonly hub: string,
    readonly userId: string | undefined,
    readonly claims: JwtClaims,
    readonly events: ConnectionEvents,
  ) {
    this.lastReceivedAt = this.lastSentAt = events.serviceTime();
  }

  /** A transport opened with the connect `query` (leading `?`). */
  attach(transport: Transport, query: string): void {
    this.transport = transport;
    this.query = query;
    this.accessToken = undefined;
    this.state = 'handshaking';
    this.lastReceivedAt = this.lastSentAt = this.events.serviceTime();
  }

  /** `now`: the fan-out's `serviceTime()`, read once for all its connections. */
  send(frame: OutboundFrame, now = this.events.serviceTime()): void {
    if (this.state !== 'connected' || !this.transport) return;
    this.lastSentAt = now;
    this.transport.write(frame);
  }

  heard(): void {
    this.lastReceivedAt = this.events.serviceTime();
  }

  /** Text received from the client: handshake first, then hub messages. */
  receive(text: string): void {
    if (this.state === 'closed') return;
    this.heard();
    const { records, rest } = splitRecords(this.#pending, text);
    this.#pending = rest;
    for (const record of records) {
      if (this.state === 'handshaking') {
        this.#handshake(record);
      } else if (this.state === 'connected') {
        this.#message(record);
      }
    }
  }

  #handshake(record: string): void {
    const result = checkHandshake(record);
    if (!result.ok) {
      this.transport?.write(handshakeErrorFrame(result.error));
      this.#finish(result.error);
      return;
    }
    this.state = 'connected';
    this.connectedAt = this.events.serviceTime();
    this.events.connected(this);
    this.send(HANDSHAKE_OK_FRAME);
  }

  #message(record: string): void {
    let message: HubMessage;
    try {
      message = parseHubMessage(record);
    } catch (error) {
      this.close(`Invalid message: ${(error as ProtocolError).message}.`, false);
      return;
    }
    switch (message.type) {
      case MessageType.Invocation:
      case MessageType.StreamInvocation:
        this.events.invocation(this, record, message);
        break;
      case MessageType.Close:
        this.#finish(message.error);
        break;
      // Pings only prove liveness; completions, cancels, acks and sequences have nothing to act on here.
    }
  }

  /** Server-initiated close: a Close message (with `allowReconnect`), then the transport ends. */
  close(error: string | undefined, allowReconnect: boolean): void {
    if (this.state === 'closed') return;
    if (this.state === 'connected') this.transport?.write(OutboundFrame.close(error, allowReconnect));
    this.#finish(error);
  }

  /** The client side went away (socket closed, SSE request ended, long-poll DELETE). */
  transportClosed(error?: string): void {
    if (this.state !== 'closed') this.#finish(error, false);
  }

  #finish(error: string | undefined, endTransport = true): void {
    const wasConnected = this.state === 'connected';
    this.state = 'closed';
    this.closedAt = this.events.serviceTime();
    if (endTransport) this.transport?.end();
    if (wasConnected) this.events.closed(this, error);
  }
}
