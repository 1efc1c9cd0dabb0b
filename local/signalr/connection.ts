import type { JwtClaims } from '../shared/jwt.js';
import { userIdFromClaims } from './accessTokens.js';
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
  /** The connect query a client is told to use: `?hub=<hub>&id=<connection token>`. */
  standardQuery(connection: ServiceConnection): string;
  /** Handshake done: join hub, user and groups; tell upstream. */
  connected(connection: ServiceConnection): void;
  /** A client Invocation (or StreamInvocation) record, raw as sent, and its parsed form. */
  invocation(connection: ServiceConnection, record: string, message: HubMessage): void;
  /** The connection is over, for whatever reason; `error` is why, if it was not a clean close. */
  closed(connection: ServiceConnection, error: string | undefined): void;
}

export type ConnectionState = 'negotiated' | 'handshaking' | 'connected' | 'closed';

/** What few connections need, kept beside the record rather than in a field of every one. */
interface ConnectionExtras {
  /** The access token negotiate verified, until a transport opens with it (see `authenticateClient`). */
  accessToken?: string;
  /** The connect query (leading `?`), when it is not `standardQuery`. */
  query?: string;
  /** The start of a record whose end has not arrived yet. */
  partial?: string;
}

/**
 * One logical SignalR connection from negotiate to close, independent of its transport. Kept small on purpose:
 * a service holds thousands of these, so what most connections never need is in `#extras`, and what can be
 * derived (the user id, the connection token, the usual connect query) is not kept. Its helper methods are
 * `private`, not `#`: private methods would give every instance a brand field.
 */
export class ServiceConnection implements TransportPeer {
  state: ConnectionState = 'negotiated';
  transport: Transport | undefined;
  /** Groups this connection is in (live membership), created on first join. */
  groups: Set<string> | undefined;
  /** When the client was last heard from, and last sent something, in `serviceTime()`. */
  lastReceivedAt: number;
  lastSentAt: number;
  /** When the connection entered its `state` (so, once connected, when the handshake completed). */
  stateSince: number;
  #extras: ConnectionExtras | undefined;

  constructor(
    readonly id: string,
    readonly hub: string,
    /** The verified access token's claims (upstream sends them as `X-ASRS-User-Claims`). */
    readonly claims: JwtClaims,
    readonly events: ConnectionEvents,
    /** The access token `claims` were verified from, to recognise it when the client presents it again. */
    accessToken?: string,
  ) {
    this.lastReceivedAt = this.lastSentAt = this.stateSince = events.serviceTime();
    if (accessToken !== undefined) this.#extras = { accessToken };
  }

  /** The user the access token names (`asrs.s.uid`, `nameid` or `sub`), if any. */
  get userId(): string | undefined {
    return userIdFromClaims(this.claims);
  }

  /** The access token negotiate verified, until a transport opens. */
  get accessToken(): string | undefined {
    return this.#extras?.accessToken;
  }

  /** The connect query (leading `?`), for upstream's `X-ASRS-Client-Query`; '' until a transport opens. */
  get query(): string {
    if (this.state === 'negotiated') return '';
    return this.#extras?.query ?? this.events.standardQuery(this);
  }

  /** A transport opened with the connect `query` (leading `?`), undefined if it is the `standardQuery`. */
  attach(transport: Transport, query: string | undefined): void {
    this.transport = transport;
    this.state = 'handshaking';
    this.#extras = query === undefined ? undefined : { query };
    this.lastReceivedAt = this.lastSentAt = this.stateSince = this.events.serviceTime();
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
    const extras = this.#extras;
    const { records, rest } = splitRecords(extras?.partial ?? '', text);
    if (rest !== '') (this.#extras ??= {}).partial = rest;
    else if (extras?.partial !== undefined) extras.partial = undefined;
    for (const record of records) {
      if (this.state === 'handshaking') {
        this.handshake(record);
      } else if (this.state === 'connected') {
        this.message(record);
      }
    }
  }

  private handshake(record: string): void {
    const result = checkHandshake(record);
    if (!result.ok) {
      this.transport?.write(handshakeErrorFrame(result.error));
      this.finish(result.error);
      return;
    }
    this.state = 'connected';
    this.stateSince = this.events.serviceTime();
    this.events.connected(this);
    this.send(HANDSHAKE_OK_FRAME);
  }

  private message(record: string): void {
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
        this.finish(message.error);
        break;
      // Pings only prove liveness; completions, cancels, acks and sequences have nothing to act on here.
    }
  }

  /** Server-initiated close: a Close message (with `allowReconnect`), then the transport ends. */
  close(error: string | undefined, allowReconnect: boolean): void {
    if (this.state === 'closed') return;
    if (this.state === 'connected') this.transport?.write(OutboundFrame.close(error, allowReconnect));
    this.finish(error);
  }

  /** The client side went away (socket closed, SSE request ended, long-poll DELETE). */
  transportClosed(error?: string): void {
    if (this.state !== 'closed') this.finish(error, false);
  }

  private finish(error: string | undefined, endTransport = true): void {
    const wasConnected = this.state === 'connected';
    this.state = 'closed';
    this.stateSince = this.events.serviceTime();
    if (endTransport) this.transport?.end();
    if (wasConnected) this.events.closed(this, error);
  }
}
