import { httpCall, type HttpCallResult } from '../shared/httpCall.js';
import { mintRestAccessToken } from './accessTokens.js';
import { parseSignalRConnectionString, type SignalRConnectionSettings } from './connectionString.js';

export interface SignalRMessage {
  target: string;
  arguments: unknown[];
}

export class SignalRRestError extends Error {
  override name = 'SignalRRestError';
  constructor(
    message: string,
    readonly status: number,
    readonly errorCode: string | undefined,
  ) {
    super(message);
  }
}

/** The data-plane REST API of Azure SignalR Service (api-version 2022-06-01), for one resource or local service. */
export interface SignalRRestClient {
  readonly endpoint: string;
  sendToAll(hub: string, message: SignalRMessage, options?: { excluded?: string[] }): Promise<void>;
  sendToUser(hub: string, userId: string, message: SignalRMessage): Promise<void>;
  /** No single REST call exists for several users: one call per user. */
  sendToUsers(hub: string, userIds: readonly string[], message: SignalRMessage): Promise<void>;
  sendToGroup(hub: string, group: string, message: SignalRMessage, options?: { excluded?: string[] }): Promise<void>;
  /** One call per group, so a connection in two of them gets the message twice (as in ASP.NET Core). */
  sendToGroups(
    hub: string,
    groups: readonly string[],
    message: SignalRMessage,
    options?: { excluded?: string[] },
  ): Promise<void>;
  sendToConnection(hub: string, connectionId: string, message: SignalRMessage): Promise<void>;
  /** Resolves even if the connection is gone, as the Management SDK does. */
  addConnectionToGroup(hub: string, group: string, connectionId: string): Promise<void>;
  removeConnectionFromGroup(hub: string, group: string, connectionId: string): Promise<void>;
  removeConnectionFromAllGroups(hub: string, connectionId: string): Promise<void>;
  /** `ttlSeconds`: how long the membership applies to the user's future connections (0 = current ones only). */
  addUserToGroup(hub: string, group: string, userId: string, options?: { ttlSeconds?: number }): Promise<void>;
  removeUserFromGroup(hub: string, group: string, userId: string): Promise<void>;
  removeUserFromAllGroups(hub: string, userId: string): Promise<void>;
  connectionExists(hub: string, connectionId: string): Promise<boolean>;
  userExists(hub: string, userId: string): Promise<boolean>;
  groupExists(hub: string, group: string): Promise<boolean>;
  userInGroup(hub: string, group: string, userId: string): Promise<boolean>;
  /** Resolves even if the connection is gone, as the Management SDK does. */
  closeConnection(hub: string, connectionId: string, reason?: string): Promise<void>;
  isHealthy(): Promise<boolean>;
  /** The same client, sending W3C `traceparent` on every call so the service continues that trace. */
  withTraceParent(traceParent: string): SignalRRestClient;
}

const API_VERSION = '2022-06-01';
const TIMEOUT_MS = 100_000;
/** 404s the Management SDK treats as "already gone" rather than a failure. */
const TOLERATED_NOT_FOUND = new Set(['Error.Connection.NotExisted', 'Warning.Connection.NotExisted']);

type Query = Record<string, string | string[] | undefined>;

const ok = (response: HttpCallResult): boolean => response.status >= 200 && response.status < 300;

/** Signed calls to one service's `/api/...`: every request carries a bearer token for its own URL. */
class RestTransport {
  readonly #settings: SignalRConnectionSettings;
  readonly #origin: string;
  readonly #now: () => number;
  readonly #headers: Readonly<Record<string, string>>;

  constructor(settings: SignalRConnectionSettings, now: () => number, headers: Readonly<Record<string, string>>) {
    this.#settings = settings;
    this.#now = now;
    this.#origin = new URL(settings.serverEndpoint).origin;
    this.#headers = headers;
  }

  /** `path` is already percent-encoded (see hubPath); it is sent and signed as is, never normalized. */
  async call(method: string, path: string, query: Query = {}, body?: unknown): Promise<HttpCallResult> {
    const search = new URLSearchParams();
    for (const [name, value] of Object.entries({ ...query, 'api-version': API_VERSION })) {
      for (const item of Array.isArray(value) ? value : value === undefined ? [] : [value]) search.append(name, item);
    }
    const target = `${this.#settings.serverEndpoint.slice(this.#origin.length)}/api/${path}`;
    const headers: Record<string, string> = {
      ...this.#headers,
      Authorization: `Bearer ${await mintRestAccessToken(`${this.#origin}${target}`, this.#settings.accessKey, this.#now())}`,
    };
    if (body !== undefined) headers['Content-Type'] = 'application/json; charset=utf-8';
    try {
      return await httpCall(new URL(this.#origin), {
        method,
        path: `${target}?${search.toString()}`,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        timeoutMs: TIMEOUT_MS,
      });
    } catch (error) {
      throw new SignalRRestError(`SignalR REST ${method} ${target} failed: ${(error as Error).message}`, 0, undefined);
    }
  }

  /** A call that must succeed (2xx), except tolerated "connection gone" 404s. */
  async act(method: string, path: string, query?: Query, body?: unknown): Promise<void> {
    const response = await this.call(method, path, query, body);
    const header = response.headers['x-ms-error-code'];
    const code = Array.isArray(header) ? header[0] : header;
    if (ok(response) || (response.status === 404 && code !== undefined && TOLERATED_NOT_FOUND.has(code))) return;
    const text = response.body.toString();
    throw new SignalRRestError(
      `SignalR REST ${method} /api/${path} answered ${response.status}${text ? `: ${text}` : ''}`,
      response.status,
      code,
    );
  }

  async exists(path: string): Promise<boolean> {
    const response = await this.call('HEAD', path);
    if (ok(response)) return true;
    if (response.status === 404) return false;
    throw new SignalRRestError(
      `SignalR REST HEAD /api/${path} answered ${response.status}`,
      response.status,
      undefined,
    );
  }
}

const payload = (message: SignalRMessage) => ({ target: message.target, arguments: message.arguments });

/** A REST client from a connection string (or its parsed form); bearer tokens are signed with the AccessKey. */
export function createSignalRRestClient(
  connection: string | SignalRConnectionSettings,
  /** Token times; default the real clock (an injected one keeps tokens in step with a service on the same clock). */
  now: () => number = Date.now,
  /** Sent on every call (`withTraceParent` adds `traceparent`). */
  headers: Readonly<Record<string, string>> = {},
): SignalRRestClient {
  const settings = typeof connection === 'string' ? parseSignalRConnectionString(connection) : connection;
  const rest = new RestTransport(settings, now, headers);
  const client: SignalRRestClient = {
    endpoint: settings.serverEndpoint,
    sendToAll: (hub, message, options) =>
      rest.act('POST', hubPath(hub)`:send`, { excluded: options?.excluded }, payload(message)),
    sendToUser: (hub, userId, message) => rest.act('POST', hubPath(hub)`users/${userId}/:send`, {}, payload(message)),
    sendToUsers: async (hub, userIds, message) => {
      await Promise.all(userIds.map((userId) => client.sendToUser(hub, userId, message)));
    },
    sendToGroup: (hub, group, message, options) =>
      rest.act('POST', hubPath(hub)`groups/${group}/:send`, { excluded: options?.excluded }, payload(message)),
    sendToGroups: async (hub, groups, message, options) => {
      await Promise.all(groups.map((group) => client.sendToGroup(hub, group, message, options)));
    },
    sendToConnection: (hub, connectionId, message) =>
      rest.act('POST', hubPath(hub)`connections/${connectionId}/:send`, {}, payload(message)),
    addConnectionToGroup: (hub, group, connectionId) =>
      rest.act('PUT', hubPath(hub)`groups/${group}/connections/${connectionId}`),
    removeConnectionFromGroup: (hub, group, connectionId) =>
      rest.act('DELETE', hubPath(hub)`groups/${group}/connections/${connectionId}`),
    removeConnectionFromAllGroups: (hub, connectionId) =>
      rest.act('DELETE', hubPath(hub)`connections/${connectionId}/groups`),
    addUserToGroup: (hub, group, userId, options) => {
      const ttl = options?.ttlSeconds;
      if (ttl !== undefined && !(Number.isInteger(ttl) && ttl >= 0)) {
        return Promise.reject(new RangeError(`ttlSeconds must be a whole number >= 0, got ${ttl}`));
      }
      return rest.act('PUT', hubPath(hub)`users/${userId}/groups/${group}`, { ttl: ttl?.toString() });
    },
    removeUserFromGroup: (hub, group, userId) => rest.act('DELETE', hubPath(hub)`users/${userId}/groups/${group}`),
    removeUserFromAllGroups: (hub, userId) => rest.act('DELETE', hubPath(hub)`users/${userId}/groups`),
    connectionExists: (hub, connectionId) => rest.exists(hubPath(hub)`connections/${connectionId}`),
    userExists: (hub, userId) => rest.exists(hubPath(hub)`users/${userId}`),
    groupExists: (hub, group) => rest.exists(hubPath(hub)`groups/${group}`),
    userInGroup: (hub, group, userId) => rest.exists(hubPath(hub)`users/${userId}/groups/${group}`),
    closeConnection: (hub, connectionId, reason) =>
      rest.act('DELETE', hubPath(hub)`connections/${connectionId}`, { reason }),
    isHealthy: () => rest.call('HEAD', 'health').then(ok, () => false),
    withTraceParent: (traceParent) => createSignalRRestClient(settings, now, { ...headers, traceparent: traceParent }),
  };
  return client;
}

/**
 * A path under `hubs/<hub>/` (hub names lowercased, as the Management SDK sends them): the literal parts are the
 * route, and each interpolated value becomes exactly one encoded segment, whatever it contains.
 */
function hubPath(hub: string) {
  return (literals: TemplateStringsArray, ...values: string[]): string =>
    literals.reduce(
      (path, literal, i) => path + literal + (i < values.length ? pathSegment(values[i]!) : ''),
      `hubs/${pathSegment(hub.toLowerCase())}/`,
    );
}

/**
 * One percent-encoded path segment. Ids `.` and `..` are legal user ids and group names, but as written they are
 * dot segments that any URL parser resolves away (so `users/../groups/g` would become `groups/g`): their dots
 * are encoded, and the request is sent without normalization.
 */
export function pathSegment(value: string): string {
  const encoded = encodeURIComponent(value);
  return encoded === '.' || encoded === '..' ? encoded.replaceAll('.', '%2E') : encoded;
}
