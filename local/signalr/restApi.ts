import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceConnection } from './connection.js';
import { OutboundFrame } from './hubProtocol.js';
import { bearerToken, HttpError, readBody, sendJson } from './http.js';
import { JwtError, verifyJwt } from '../shared/jwt.js';
import { restAudience } from './audiences.js';
import { hubKey, isValidHubName, type ServiceCore } from './serviceCore.js';
import type { TelemetrySpan } from '../telemetry/index.js';

type Params = Record<string, string>;
interface Call {
  core: ServiceCore;
  hub: string;
  params: Params;
  url: URL;
  request: IncomingMessage;
  /** The call's span, while telemetry records. */
  span: TelemetrySpan | undefined;
}
/** An operation returns `false` when what it names does not exist (a 404 with the route's error code). */
type Operation = (call: Call) => Promise<boolean | void> | boolean | void;
interface Route {
  methods: readonly string[];
  segments: readonly string[];
  operation: Operation;
  status: number;
  notFoundCode?: string;
}

const CHECK = ['GET', 'HEAD'];
const ROUTES: Route[] = [];

/** Declares one REST route; `path` is relative to `/api/v1/hubs/{hub}` or `/api/hubs/{hub}` per `api`. */
function route(
  methods: string | readonly string[],
  api: 'v1' | '2022-06-01',
  path: string,
  operation: Operation,
  status: number,
  notFoundCode?: string,
) {
  const prefix = api === 'v1' ? 'api/v1/hubs/{hub}' : 'api/hubs/{hub}';
  const segments = `${prefix}/${path}`.split('/').filter(Boolean);
  ROUTES.push({
    methods: typeof methods === 'string' ? [methods] : methods,
    segments,
    operation,
    status,
    notFoundCode,
  });
}

const NO_CONNECTION = 'Warning.Connection.NotExisted';

// Sends (one serialized frame per call, shared by all recipients).
const broadcast: Operation = async (c) =>
  c.core.deliver(c.core.existingHub(c.hub)?.connections.values(), await frame(c), excluded(c), c.span);
const sendToUser: Operation = async (c) =>
  c.core.deliver(c.core.existingHub(c.hub)?.userConnections(c.params.user!), await frame(c), undefined, c.span);
const sendToGroup: Operation = async (c) =>
  c.core.deliver(c.core.existingHub(c.hub)?.groups.get(c.params.group!), await frame(c), excluded(c), c.span);
const sendToConnection: Operation = async (c) => {
  const connection = c.core.existingHub(c.hub)?.connections.get(c.params.connection!);
  c.core.deliver(connection && [connection], await frame(c), undefined, c.span);
};

// Group membership.
const addConnectionToGroup: Operation = (c) => {
  const hub = c.core.existingHub(c.hub);
  const connection = hub?.connections.get(c.params.connection!);
  if (!connection) return false;
  hub!.join(connection, group(c));
  c.core.tracing.membership(c.span, 'joined', connection, group(c));
};
const removeConnectionFromGroup: Operation = (c) => {
  const hub = c.core.existingHub(c.hub);
  const connection = hub?.connections.get(c.params.connection!);
  if (connection) hub!.leave(connection, group(c));
};
const removeConnectionFromAllGroups: Operation = (c) => {
  const hub = c.core.existingHub(c.hub);
  const connection = hub?.connections.get(c.params.connection!);
  if (connection) hub!.leaveAll(connection);
};
const addUserToGroup: Operation = (c) => {
  const name = group(c);
  c.core.userGroups.add(c.hub, c.params.user!, name, ttl(c));
  const hub = c.core.hub(c.hub);
  for (const connection of hub.userConnections(c.params.user!)) {
    hub.join(connection, name);
    c.core.tracing.membership(c.span, 'joined', connection, name);
  }
};
const removeUserFromGroup: Operation = (c) => {
  const name = group(c);
  c.core.userGroups.remove(c.hub, c.params.user!, name);
  const hub = c.core.existingHub(c.hub);
  for (const connection of hub?.userConnections(c.params.user!) ?? []) hub!.leave(connection, name);
};
const removeUserFromAllGroups: Operation = (c) => {
  c.core.userGroups.removeAll(c.hub, c.params.user!);
  const hub = c.core.existingHub(c.hub);
  for (const connection of hub?.userConnections(c.params.user!) ?? []) hub!.leaveAll(connection);
};

// Existence checks.
const userInGroup: Operation = (c) => {
  const name = group(c);
  if (c.core.userGroups.has(c.hub, c.params.user!, name)) return true;
  const connections = c.core.existingHub(c.hub)?.userConnections(c.params.user!) ?? [];
  return [...connections].some((connection) => connection.groups?.has(name) === true);
};
const connectionExists: Operation = (c) => c.core.existingHub(c.hub)?.connections.has(c.params.connection!) === true;
const userExists: Operation = (c) => c.core.existingHub(c.hub)?.hasUser(c.params.user!) === true;
const groupExists: Operation = (c) => c.core.existingHub(c.hub)?.groups.has(group(c)) === true;

// Closing connections (clients may reconnect, as with Azure).
const closeConnection: Operation = (c) => {
  const connection = c.core.existingHub(c.hub)?.connections.get(c.params.connection!);
  if (!connection) return false;
  connection.close(reason(c), true);
};
/** `name` is the operation's, as its span shows it. */
function closeMany(name: string, pick: (c: Call) => Iterable<ServiceConnection>): Operation {
  return {
    [name]: (c: Call) => {
      const skip = excluded(c);
      for (const connection of [...pick(c)]) if (!skip?.has(connection.id)) connection.close(reason(c), true);
    },
  }[name]!;
}
const closeAll = closeMany('closeAll', (c) => c.core.existingHub(c.hub)?.connections.values() ?? []);
const closeGroup = closeMany('closeGroup', (c) => c.core.existingHub(c.hub)?.groups.get(group(c)) ?? []);
const closeUser = closeMany('closeUser', (c) => c.core.existingHub(c.hub)?.userConnections(c.params.user!) ?? []);

// api-version 2022-06-01 (also what 2023-07-01 and 2024-12-01 use for these operations).
route('POST', '2022-06-01', ':send', broadcast, 202);
route('POST', '2022-06-01', 'users/{user}/:send', sendToUser, 202);
route('POST', '2022-06-01', 'connections/{connection}/:send', sendToConnection, 202);
route('POST', '2022-06-01', 'groups/{group}/:send', sendToGroup, 202);
route(
  'PUT',
  '2022-06-01',
  'groups/{group}/connections/{connection}',
  addConnectionToGroup,
  200,
  'Error.Connection.NotExisted',
);
route('DELETE', '2022-06-01', 'groups/{group}/connections/{connection}', removeConnectionFromGroup, 200);
route('DELETE', '2022-06-01', 'connections/{connection}/groups', removeConnectionFromAllGroups, 200);
for (const path of ['users/{user}/groups/{group}', 'groups/{group}/users/{user}']) {
  route('PUT', '2022-06-01', path, addUserToGroup, 200);
  route('DELETE', '2022-06-01', path, removeUserFromGroup, 204);
  route(CHECK, '2022-06-01', path, userInGroup, 200, 'Info.User.NotInGroup');
}
route('DELETE', '2022-06-01', 'users/{user}/groups', removeUserFromAllGroups, 204);
route(CHECK, '2022-06-01', 'connections/{connection}', connectionExists, 200, NO_CONNECTION);
route(CHECK, '2022-06-01', 'users/{user}', userExists, 200, 'Warning.User.NotExisted');
route(CHECK, '2022-06-01', 'groups/{group}', groupExists, 200, 'Warning.Group.NotExisted');
route('DELETE', '2022-06-01', 'connections/{connection}', closeConnection, 200, NO_CONNECTION);
route('POST', '2022-06-01', ':closeConnections', closeAll, 204);
route('POST', '2022-06-01', 'groups/{group}/:closeConnections', closeGroup, 204);
route('POST', '2022-06-01', 'users/{user}/:closeConnections', closeUser, 204);

// v1.
route('POST', 'v1', '', broadcast, 202);
route('POST', 'v1', 'users/{user}', sendToUser, 202);
route('POST', 'v1', 'connections/{connection}', sendToConnection, 202);
route('POST', 'v1', 'groups/{group}', sendToGroup, 202);
route(CHECK, 'v1', 'connections/{connection}', connectionExists, 200, NO_CONNECTION);
route('DELETE', 'v1', 'connections/{connection}', closeConnection, 202, NO_CONNECTION);
route(CHECK, 'v1', 'groups/{group}', groupExists, 200, 'Warning.Group.NotExisted');
route(CHECK, 'v1', 'users/{user}', userExists, 200, 'Warning.User.NotExisted');
route('PUT', 'v1', 'groups/{group}/connections/{connection}', addConnectionToGroup, 200, 'Error.Connection.NotExisted');
route('DELETE', 'v1', 'groups/{group}/connections/{connection}', removeConnectionFromGroup, 200);
for (const path of ['groups/{group}/users/{user}', 'users/{user}/groups/{group}']) {
  route(CHECK, 'v1', path, userInGroup, 200, 'Info.User.NotInGroup');
  route('PUT', 'v1', path, addUserToGroup, 202);
  route('DELETE', 'v1', path, removeUserFromGroup, 202);
}
route('DELETE', 'v1', 'users/{user}/groups', removeUserFromAllGroups, 200);

const HEALTH_PATHS = new Set(['/api/health', '/api/v1/health']);

const ERROR_CODES: Record<number, string> = {
  400: 'Error.BadRequest',
  401: 'Error.Unauthorized',
  404: 'Error.NotFound',
  405: 'Error.MethodNotAllowed',
  413: 'Error.PayloadTooLarge',
  415: 'Error.UnsupportedMediaType',
};

/**
 * The REST data-plane API under `/api/`; errors are `{ code, message }` bodies like Azure's ErrorDetail. Routes
 * match `rawPath`, the path as sent: a user id `..` arrives as `%2E%2E` and must not be resolved away.
 */
export async function handleRestRequest(
  core: ServiceCore,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  rawPath: string,
): Promise<void> {
  try {
    await serve(core, request, response, url, rawPath);
  } catch (error) {
    if (!(error instanceof HttpError)) throw error;
    const code = error.errorCode ?? ERROR_CODES[error.status] ?? 'Error.Unknown';
    const headers: Record<string, string> = { 'x-ms-error-code': code };
    if (error.status === 401) headers['WWW-Authenticate'] = 'Bearer error="invalid_token"';
    sendJson(response, error.status, { code, message: error.message }, headers);
  }
}

async function serve(
  core: ServiceCore,
  request: IncomingMessage,
  response: ServerResponse,
  url: URL,
  rawPath: string,
): Promise<void> {
  if (HEALTH_PATHS.has(rawPath.replace(/\/+$/, ''))) {
    if (request.method !== 'GET' && request.method !== 'HEAD') throw new HttpError(405, 'health takes GET or HEAD');
    response.writeHead(200).end();
    return;
  }
  const { route: matched, params } = match(request.method ?? 'GET', rawPath);
  await authorize(core, request, rawPath);
  const hubName = params.hub!;
  if (!isValidHubName(hubName)) {
    throw new HttpError(400, `invalid hub name '${hubName}': a letter, then letters, digits or _ (max 128)`);
  }
  const application = url.searchParams.get('application');
  const hub = hubKey(application ? `${application}_${hubName}` : hubName);
  for (const name of ['user', 'connection'] as const) {
    if (params[name] === '') throw new HttpError(400, `${name} id must not be empty`);
  }
  const span = core.tracing.restCall(request, matched.operation.name, hub, params);
  try {
    const found = await matched.operation({ core, hub, params, url, request, span });
    if (found === false) {
      const code = matched.notFoundCode ?? 'Warning.NotExisted';
      throw new HttpError(404, `${Object.values(params).slice(1).join(' / ')} not found in hub '${hub}'`, code);
    }
    span?.set({ 'http.response.status_code': matched.status });
    response.writeHead(matched.status).end();
  } catch (error) {
    span?.fail(error);
    throw error;
  } finally {
    span?.end();
  }
}

function match(method: string, pathname: string): { route: Route; params: Params } {
  let segments: string[];
  try {
    segments = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new HttpError(400, 'the path is not valid percent-encoding');
  }
  let pathMatched = false;
  for (const candidate of ROUTES) {
    const params = matchSegments(candidate.segments, segments);
    if (!params) continue;
    pathMatched = true;
    if (candidate.methods.includes(method)) return { route: candidate, params };
  }
  if (pathMatched) throw new HttpError(405, `${method} is not supported on ${pathname}`);
  throw new HttpError(404, `no REST operation at ${pathname} (supported: /api/v1/hubs/… and /api/hubs/…)`);
}

function matchSegments(pattern: readonly string[], actual: readonly string[]): Params | undefined {
  if (pattern.length !== actual.length) return undefined;
  const params: Params = {};
  for (let i = 0; i < pattern.length; i++) {
    const expected = pattern[i]!;
    const value = actual[i]!;
    if (expected.startsWith('{')) params[expected.slice(1, -1)] = value;
    else if (expected !== value) return undefined;
  }
  return params;
}

/** A bearer JWT signed with the AccessKey, in its time window, whose `aud` is the URL called: a server credential. */
async function authorize(core: ServiceCore, request: IncomingMessage, rawPath: string): Promise<void> {
  const token = bearerToken(request);
  if (!token) throw new HttpError(401, 'Unauthorized: an Authorization: Bearer token is required');
  const audience = restAudience(request, rawPath);
  try {
    await verifyJwt(token, core.options.accessKey, {
      nowMs: core.now(),
      audience: audience.test,
      audienceName: audience.name,
    });
  } catch (error) {
    if (error instanceof JwtError) throw new HttpError(401, `Unauthorized: ${error.message}`);
    throw error;
  }
}

/** The message body in camelCase or the .NET SDK's PascalCase, as one serialized Invocation. */
async function frame(c: Call): Promise<OutboundFrame> {
  const type = c.request.headers['content-type'] ?? 'application/json';
  if (!/json|text\/plain/i.test(type)) {
    throw new HttpError(415, `Content-Type ${type} is not supported locally: send the message as JSON`);
  }
  let body: Record<string, unknown>;
  try {
    body = JSON.parse((await readBody(c.request)).toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new HttpError(400, 'the body is not valid JSON');
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new HttpError(400, 'the body must be an object');
  const target = body.target ?? body.Target;
  const args = body.arguments ?? body.Arguments ?? [];
  if (typeof target !== 'string' || target === '') throw new HttpError(400, 'the message needs a non-empty "target"');
  if (!Array.isArray(args)) throw new HttpError(400, 'the message "arguments" must be an array');
  c.core.tracing.message(c.span, target, args);
  return OutboundFrame.invocation(target, args);
}

function excluded(c: Call): ReadonlySet<string> | undefined {
  const ids = c.url.searchParams.getAll('excluded');
  return ids.length > 0 ? new Set(ids) : undefined;
}

function group(c: Call): string {
  const name = c.params.group!;
  if (name.length < 1 || name.length > 1024) throw new HttpError(400, 'group name must be 1 to 1024 characters');
  return name;
}

function ttl(c: Call): number | undefined {
  const raw = c.url.searchParams.get('ttl');
  if (raw === null) return undefined;
  if (!/^\d+$/.test(raw)) throw new HttpError(400, `ttl must be a whole number of seconds, got '${raw}'`);
  return Number(raw);
}

function reason(c: Call): string | undefined {
  return c.url.searchParams.get('reason') ?? undefined;
}
