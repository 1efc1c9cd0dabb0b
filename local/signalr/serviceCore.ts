import type { IncomingMessage } from 'node:http';
import type { Clock, ClockTimer } from '../shared/clock.js';
import { audienceHub, clientAudience } from './audiences.js';
import { ServiceConnection, type ConnectionEvents, type Transport, type TransportKind } from './connection.js';
import { ConnectionTokens, newConnectionId } from './connectionTokens.js';
import { Hub } from './hub.js';
import { MessageType, OutboundFrame, PING_FRAME, type HubMessage } from './hubProtocol.js';
import { checkVerifiedClaims, verifyJwt, JwtError, type JwtClaims } from '../shared/jwt.js';
import { UpstreamClient, type UpstreamOptions, type UpstreamReply } from './upstream.js';
import { UserGroupStore } from './userGroups.js';
import { SignalRTracing } from './signalrTracing.js';
import type { Telemetry, TelemetrySpan } from '../telemetry/index.js';

export interface ServiceCoreOptions {
  accessKey: string;
  clock: Clock;
  keepAliveIntervalMs: number;
  clientTimeoutMs: number;
  handshakeTimeoutMs: number;
  upstream?: UpstreamOptions;
  statePath?: string;
  log: (message: string) => void;
  telemetry?: Telemetry;
}

/** A live connection as the inspector lists it. */
export interface ConnectionInfo {
  hub: string;
  connectionId: string;
  userId?: string;
  transport?: TransportKind;
  groups: string[];
  connectedAt: string;
}

export interface SignalRServiceStats {
  /** Connections past the handshake, in every hub. */
  connections: number;
  transports: Record<TransportKind, number>;
  hubs: Record<string, { connections: number; users: number; groups: number }>;
  /** Hub messages delivered to connections (pings and handshakes not counted). */
  messagesSent: number;
  upstreamFailures: number;
}

/** Hub names as Azure accepts them; the service treats them case-insensitively. */
const HUB_NAME = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;

export class ClientAuthError extends Error {
  override name = 'ClientAuthError';
}

/** The service's state and rules, shared by the client endpoint, the REST API and the keep-alive sweep. */
export class ServiceCore implements ConnectionEvents {
  readonly hubs = new Map<string, Hub>();
  /**
   * Connections by id that no hub holds: negotiated, handshaking, and closed until the sweep forgets them.
   * Connected ones are found through their hub, so a service holding thousands keeps no entry here for them.
   */
  readonly #unconnected = new Map<string, ServiceConnection>();
  /** Connections of negotiate v0, whose id is their token: the only ones a bare id finds. */
  readonly #idIsToken = new WeakSet<ServiceConnection>();
  readonly #tokens = new ConnectionTokens();
  readonly userGroups: UserGroupStore;
  readonly upstream: UpstreamClient | undefined;
  messagesSent = 0;
  readonly tracing: SignalRTracing;
  readonly #invocationQueues = new WeakMap<ServiceConnection, Promise<void>>();
  #sweepTimer: ClockTimer | undefined;
  #lastAudience: string | undefined;
  readonly #startedAt: number;

  constructor(readonly options: ServiceCoreOptions) {
    this.#startedAt = options.clock.now();
    this.tracing = new SignalRTracing(options.telemetry);
    this.userGroups = new UserGroupStore(
      options.clock,
      (hub, user, group) => this.#leave(hub, user, group),
      options.statePath,
    );
    this.upstream = options.upstream && new UpstreamClient(options.upstream, options.accessKey, options.log);
    this.#scheduleSweep();
  }

  now(): number {
    return this.options.clock.now();
  }

  serviceTime(): number {
    return this.options.clock.now() - this.#startedAt;
  }

  hub(name: string): Hub {
    const key = hubKey(name);
    let hub = this.hubs.get(key);
    if (!hub) this.hubs.set(key, (hub = new Hub(key)));
    return hub;
  }

  existingHub(name: string): Hub | undefined {
    return this.hubs.get(hubKey(name));
  }

  /**
   * Verifies a client access token for `hub`: HS256 with the AccessKey, in its time window, and an audience that
   * is the client URL of that hub on this service (a REST token, or one for another hub, is refused). A client
   * presents its token twice, at negotiate and at connect: when it is the very string `negotiated` was created
   * with, its signature is not checked again, everything else is.
   */
  async authenticateClient(
    token: string | undefined,
    hub: string,
    request: IncomingMessage,
    negotiated?: ServiceConnection,
  ): Promise<JwtClaims> {
    if (!token) throw new ClientAuthError('no access token (Authorization: Bearer header or access_token query)');
    const audience = clientAudience(request, hub);
    const options = { nowMs: this.now(), audience: audience.test, audienceName: audience.name, remember: false };
    try {
      if (negotiated !== undefined && token === negotiated.accessToken) {
        return checkVerifiedClaims(negotiated.claims, options);
      }
      return await verifyJwt(token, this.options.accessKey, options);
    } catch (error) {
      if (!(error instanceof JwtError)) throw error;
      const hubs = (error.audiences ?? []).map(audienceHub).filter((h) => h !== undefined);
      const otherHub = hubs.length > 0 && !hubs.includes(hubKey(hub));
      throw new ClientAuthError(otherHub ? `the token is for hub '${hubs.join("', '")}', not '${hub}'` : error.message);
    }
  }

  /** A membership ran out: the user's live connections leave the group with it. */
  #leave(hubName: string, user: string, group: string): void {
    const hub = this.existingHub(hubName);
    for (const connection of hub?.userConnections(user) ?? []) hub!.leave(connection, group);
  }

  /**
   * A new connection after a successful negotiate with `accessToken` (or a WebSocket that skipped negotiation, so
   * with none to remember).
   */
  createConnection(hub: string, claims: JwtClaims, withSecretToken: boolean, accessToken?: string): ServiceConnection {
    const id = newConnectionId();
    const key = hubKey(hub);
    // Every connection of a hub shares one copy of its name and, mostly, of its token's audience.
    const name = this.hubs.get(key)?.name ?? key;
    if (claims.aud === this.#lastAudience) claims.aud = this.#lastAudience;
    else if (typeof claims.aud === 'string') this.#lastAudience = claims.aud;
    const connection = new ServiceConnection(id, name, claims, this, accessToken);
    if (!withSecretToken) this.#idIsToken.add(connection);
    this.#unconnected.set(id, connection);
    return connection;
  }

  /** The token a client names its connection with: a v1 secret token, or the id itself for v0. */
  connectionToken(connection: ServiceConnection): string {
    return this.#idIsToken.has(connection) ? connection.id : this.#tokens.issue(connection.id);
  }

  standardQuery(connection: ServiceConnection): string {
    return `?hub=${connection.hub}&id=${this.connectionToken(connection)}`;
  }

  /**
   * The connection `token` names, from negotiate until the sweep forgets it after close: a token this service
   * issued (checked by its HMAC before anything is looked up), or the id of a v0 connection.
   */
  findConnection(token: string): ServiceConnection | undefined {
    const id = this.#tokens.idOf(token);
    if (id !== undefined) return this.#byId(id);
    const connection = this.#byId(token);
    return connection !== undefined && this.#idIsToken.has(connection) ? connection : undefined;
  }

  /** Whether the service still holds `connection` (the sweep forgets negotiated ones that never connect). */
  holds(connection: ServiceConnection): boolean {
    return this.#byId(connection.id) === connection;
  }

  #byId(id: string): ServiceConnection | undefined {
    const connection = this.#unconnected.get(id);
    if (connection !== undefined) return connection;
    // Ids are random and unique across hubs; a service has few hubs.
    for (const hub of this.hubs.values()) {
      const connected = hub.connections.get(id);
      if (connected !== undefined) return connected;
    }
    return undefined;
  }

  connected(connection: ServiceConnection): void {
    const hub = this.hub(connection.hub);
    hub.add(connection);
    this.#unconnected.delete(connection.id);
    const userId = connection.userId;
    if (userId !== undefined) {
      for (const group of this.userGroups.groupsOf(hub.name, userId)) hub.join(connection, group);
    }
    this.upstream?.connected(connection, this.tracing.connected(connection));
  }

  closed(connection: ServiceConnection, error: string | undefined): void {
    const traceParent = this.tracing.disconnected(connection, error);
    this.existingHub(connection.hub)?.remove(connection);
    this.#unconnected.set(connection.id, connection); // until the sweep forgets it
    this.upstream?.disconnected(connection, error, traceParent);
  }

  invocation(connection: ServiceConnection, record: string, message: HubMessage): void {
    const id = message.invocationId;
    if (message.type === MessageType.StreamInvocation) {
      if (id) this.#complete(connection, id, { error: 'Streaming invocations are not supported in serverless mode.' });
      return;
    }
    const upstream = this.upstream;
    if (!upstream) {
      const error = `Hub '${connection.hub}' has no upstream: client invocations need a signalRTrigger function.`;
      if (id) this.#complete(connection, id, { error });
      return;
    }
    // Azure hands one connection's invocations to upstream one at a time, in order.
    const previous = this.#invocationQueues.get(connection) ?? Promise.resolve();
    const next = previous.then(async () => {
      const reply = await upstream.invoke(connection, message.target!, record);
      if (id) this.#complete(connection, id, completionFrom(reply));
    });
    this.#invocationQueues.set(connection, next);
  }

  #complete(connection: ServiceConnection, invocationId: string, outcome: { result?: unknown; error?: string }): void {
    connection.send(OutboundFrame.of({ type: MessageType.Completion, invocationId, ...outcome }));
  }

  /** Counts delivered messages; `Hub.sendTo` does the fan-out. A send's span lists who got it. */
  deliver(
    targets: Iterable<ServiceConnection> | undefined,
    frame: OutboundFrame,
    excluded?: ReadonlySet<string>,
    span?: TelemetrySpan,
  ): void {
    if (!span) {
      this.messagesSent += Hub.sendTo(targets, frame, this.serviceTime(), excluded);
      return;
    }
    const reached = [...(targets ?? [])].filter((c) => !excluded?.has(c.id) && c.state === 'connected');
    this.tracing.delivered(span, reached);
    this.messagesSent += Hub.sendTo(reached, frame, this.serviceTime());
  }

  stats(): SignalRServiceStats {
    const transports: Record<TransportKind, number> = { webSockets: 0, serverSentEvents: 0, longPolling: 0 };
    // Hub names are outside input (`constructor` is a valid one): no prototype to collide with.
    const hubs: SignalRServiceStats['hubs'] = Object.create(null) as SignalRServiceStats['hubs'];
    let connections = 0;
    for (const hub of this.hubs.values()) {
      hubs[hub.name] = { connections: hub.connections.size, users: hub.userCount, groups: hub.groups.size };
      connections += hub.connections.size;
      for (const connection of hub.connections.values()) {
        if (connection.transport) transports[connection.transport.kind]++;
      }
    }
    return {
      connections,
      transports,
      hubs,
      messagesSent: this.messagesSent,
      upstreamFailures: this.upstream?.failures ?? 0,
    };
  }

  /** Every connection past its handshake, hub by hub. */
  connections(): ConnectionInfo[] {
    const list: ConnectionInfo[] = [];
    for (const hub of this.hubs.values()) {
      for (const connection of hub.connections.values()) {
        list.push({
          hub: hub.name,
          connectionId: connection.id,
          ...(connection.userId === undefined ? {} : { userId: connection.userId }),
          ...(connection.transport ? { transport: connection.transport.kind } : {}),
          groups: [...(connection.groups ?? [])],
          connectedAt: new Date(this.#startedAt + connection.stateSince).toISOString(),
        });
      }
    }
    return list;
  }

  /** The transports of every connection the service holds: a closed one's until the sweep forgets it. */
  transports(): Transport[] {
    return this.#held().flatMap((connection) => (connection.transport ? [connection.transport] : []));
  }

  /** Closes every connection (allowing reconnect, as a service restart does) and stops the sweep. */
  shutdown(reason: string): void {
    if (this.#sweepTimer !== undefined) this.options.clock.clearTimeout(this.#sweepTimer);
    this.#sweepTimer = undefined;
    this.userGroups.stop();
    for (const connection of this.#held()) connection.close(reason, true);
    this.#unconnected.clear();
  }

  /** Every connection the service holds, connected or not. */
  #held(): ServiceConnection[] {
    const held = [...this.#unconnected.values()];
    for (const hub of this.hubs.values()) held.push(...hub.connections.values());
    return held;
  }

  #scheduleSweep(): void {
    const { keepAliveIntervalMs, clientTimeoutMs } = this.options;
    const tick = Math.min(1000, keepAliveIntervalMs, clientTimeoutMs);
    this.#sweepTimer = this.options.clock.setTimeout(() => {
      this.#sweep();
      this.#scheduleSweep();
    }, tick);
  }

  /** One pass over all connections: pings, client and handshake timeouts, and forgetting dead connections. */
  #sweep(): void {
    const now = this.serviceTime();
    const { clientTimeoutMs, handshakeTimeoutMs } = this.options;
    for (const [id, connection] of this.#unconnected) {
      const silentFor = now - connection.lastReceivedAt;
      switch (connection.state) {
        case 'negotiated':
          if (silentFor > clientTimeoutMs) this.#unconnected.delete(id);
          break;
        case 'handshaking':
          if (silentFor > handshakeTimeoutMs) connection.close(undefined, false);
          break;
        case 'closed':
          // Kept while its socket is still closing, so that shutdown finds every socket through a connection.
          if (now - connection.stateSince > clientTimeoutMs && connection.transport?.settled() !== false) {
            this.#unconnected.delete(id);
          }
          break;
      }
    }
    for (const hub of this.hubs.values()) {
      for (const connection of hub.connections.values()) this.#keepAlive(connection, now);
    }
  }

  /** A connected connection: closed if the client went silent, else pinged if nothing went out for a while. */
  #keepAlive(connection: ServiceConnection, now: number): void {
    const { keepAliveIntervalMs, clientTimeoutMs } = this.options;
    const transport = connection.transport!;
    if (!transport.pollPending() && now - connection.lastReceivedAt > clientTimeoutMs) {
      connection.close(`Client timeout: nothing received for ${clientTimeoutMs} ms.`, true);
    } else if (!transport.inherentKeepAlive && now - connection.lastSentAt >= keepAliveIntervalMs) {
      connection.send(PING_FRAME);
    }
  }
}

export function hubKey(name: string): string {
  return name.toLowerCase();
}

export function isValidHubName(name: string): boolean {
  return HUB_NAME.test(name);
}

function completionFrom(reply: UpstreamReply | undefined): { result?: unknown; error?: string } {
  if (!reply) return { error: 'Invocation failed, upstream unreachable' };
  if (reply.status < 200 || reply.status >= 300) return { error: `Invocation failed, status code ${reply.status}` };
  const record = reply.body.split('\x1e')[0]?.trim();
  if (!record) return {};
  try {
    const completion = JSON.parse(record) as { result?: unknown; error?: unknown };
    if (typeof completion.error === 'string') return { error: completion.error };
    return 'result' in completion ? { result: completion.result } : {};
  } catch {
    return { error: 'Invocation failed, upstream answered with something other than a Completion message' };
  }
}
