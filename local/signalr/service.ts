import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock, type Clock } from '../shared/clock.js';
import {
  createLocalHttpServer,
  DEFAULT_HTTP_TIMEOUTS,
  refuseOnSocket,
  type HttpTimeouts,
} from '../shared/localHttpServer.js';
import { sendProblem } from '../shared/problemJson.js';
import { resolveRequestTarget } from '../shared/requestTarget.js';
import { handleClientRequest, handleClientUpgrade, rejectUpgrade } from './clientEndpoint.js';
import { formatLocalConnectionString } from './connectionString.js';
import { handleCors, originAllowed, type CorsOrigins } from './cors.js';
import { HttpError, rawPath, sendText } from './http.js';
import { handleRestRequest } from './restApi.js';
import { ServiceCore, type ConnectionInfo, type SignalRServiceStats } from './serviceCore.js';
import { serviceProblems } from './serviceProblems.js';
import type { Telemetry } from '../telemetry/index.js';
import type { UpstreamOptions } from './upstream.js';
import { openWebSockets, webSocketServer } from './transports/webSocketTransport.js';

/** How long close() waits for clients to take their Close message before cutting connections. */
const SHUTDOWN_GRACE_MS = 1000;

export interface SignalRServiceOptions {
  /** 0 = a free port (tests); the local stack uses 8888 like the official emulator. */
  port?: number;
  /** Interface to listen on; default 127.0.0.1 (reached as http://localhost:<port>). */
  hostname?: string;
  /** The AccessKey of the connection string: signs client and REST tokens and upstream signatures. */
  accessKey: string;
  /** Where connected/disconnected/message events are POSTed (the host's /runtime/webhooks/signalr). */
  upstream?: UpstreamOptions;
  /**
   * Browser origins allowed (exact origin echoed with credentials); `*` = any origin, without credentials.
   * Default: none — only non-browser clients. The stack passes Host.CORS and its own origin.
   */
  corsOrigins?: CorsOrigins;
  /**
   * Host names answered besides the local ones (`localhost`, `*.localhost`, 127.0.0.0/8, `[::1]`), as the
   * Functions host's `allowedHosts`; others get 403, so a page whose name resolves to 127.0.0.1 (DNS rebinding)
   * cannot reach the service. A `ClientEndpoint` naming another host needs that name here.
   */
  allowedHosts?: readonly string[];
  /** How long a client may take to send its headers, and its whole request; see DEFAULT_HTTP_TIMEOUTS. */
  httpTimeouts?: Partial<HttpTimeouts>;
  /** Drives keep-alive, client timeout, token expiry and group ttl. */
  clock?: Clock;
  /** Ping interval on WebSockets and SSE; default 15 s. */
  keepAliveIntervalMs?: number;
  /** A client silent this long is dropped; default 30 s. */
  clientTimeoutMs?: number;
  /** A transport that sends no handshake within this long is closed; default 15 s. */
  handshakeTimeoutMs?: number;
  /** JSON file keeping user-group memberships across restarts (as Azure does); default: memory only. */
  statePath?: string;
  log?: (message: string) => void;
  /** Spans of REST calls, deliveries, connects and disconnects, while telemetry records. */
  telemetry?: Telemetry;
}

export interface SignalRService {
  /** Base URL, e.g. `http://localhost:8888`; clients go to `${url}/client/?hub=<hub>`. */
  url: string;
  port: number;
  /** `Endpoint=http://localhost;Port=<port>;AccessKey=…;Version=1.0;` */
  connectionString: string;
  stats(): SignalRServiceStats;
  /** The live connections: hub, user, transport, groups, connect time. */
  connections(): ConnectionInfo[];
  /** Closes every connection (clients may reconnect), saves state and stops listening. */
  close(): Promise<void>;
}

/** Starts a local Azure SignalR Service (serverless mode): client endpoint, REST API and upstream. */
export async function startSignalRService(options: SignalRServiceOptions): Promise<SignalRService> {
  if (!options.accessKey) throw new Error('startSignalRService: accessKey is required');
  const log = options.log ?? ((message: string) => console.error(`[signalr] ${message}`));
  const keepAliveIntervalMs = positive(options.keepAliveIntervalMs ?? 15_000, 'keepAliveIntervalMs');
  const clientTimeoutMs = positive(options.clientTimeoutMs ?? 30_000, 'clientTimeoutMs');
  const core = new ServiceCore({
    accessKey: options.accessKey,
    clock: options.clock ?? systemClock,
    keepAliveIntervalMs,
    clientTimeoutMs,
    handshakeTimeoutMs: positive(options.handshakeTimeoutMs ?? 15_000, 'handshakeTimeoutMs'),
    upstream: options.upstream,
    statePath: options.statePath,
    log,
    telemetry: options.telemetry,
  });

  const server = createServiceServer(core, {
    corsOrigins: options.corsOrigins ?? [],
    allowedHosts: options.allowedHosts ?? [],
    timeouts: { ...DEFAULT_HTTP_TIMEOUTS, ...options.httpTimeouts },
    log,
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.hostname ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://localhost:${port}`,
    port,
    connectionString: formatLocalConnectionString(port, options.accessKey),
    stats: () => core.stats(),
    connections: () => core.connections(),
    close: () =>
      (closing ??= (async () => {
        const sockets = openWebSockets(core.transports());
        core.shutdown('The service is shutting down.');
        // Let Close messages and WebSocket close handshakes go out; cut off whatever lingers after a grace period.
        const grace = setTimeout(() => {
          for (const socket of sockets) socket.terminate();
          server.closeAllConnections();
        }, SHUTDOWN_GRACE_MS);
        await Promise.all([
          ...sockets.map((socket) => new Promise((resolve) => socket.once('close', resolve))),
          new Promise<void>((resolve) => server.close(() => resolve())),
        ]);
        clearTimeout(grace);
        await core.userGroups.flush();
      })()),
  };
}

type Routing = {
  corsOrigins: CorsOrigins;
  allowedHosts: readonly string[];
  timeouts: HttpTimeouts;
  log: (message: string) => void;
};

/**
 * The service's HTTP server: the Host check first (against DNS rebinding), then CORS, then the client endpoints
 * and the REST API; WebSocket upgrades go through the same checks.
 */
function createServiceServer(core: ServiceCore, routing: Routing): Server {
  const wss = webSocketServer();
  // A handshake ws refuses (a bad key, version or subprotocol list) is answered as the client endpoint's own errors.
  wss.on('wsClientError', (error, socket) => rejectUpgrade(socket, 400, error.message));
  const route = async (request: IncomingMessage, response: ServerResponse) => {
    const target = resolveRequestTarget(request, routing.allowedHosts);
    if ('problem' in target) return sendProblem(response, target.problem);
    const { url } = target;
    request.headers.host = url.host; // what token audiences are checked against: the checked name
    const path = rawPath(request);
    if (handleCors(request, response, routing.corsOrigins)) return;
    if (path.startsWith('/client')) return handleClientRequest(core, request, response, url);
    if (path.startsWith('/api/')) return handleRestRequest(core, request, response, url, path);
    sendProblem(response, serviceProblems.notFound(url.pathname));
  };
  const server = createLocalHttpServer(routing.timeouts, (request, response) =>
    route(request, response).catch((error: unknown) => fail(response, error, routing.log)),
  );
  server.on('upgrade', (request, socket, head) => {
    const target = resolveRequestTarget(request, routing.allowedHosts);
    if ('problem' in target) return refuseOnSocket(socket, target.problem);
    const { url } = target;
    request.headers.host = url.host;
    const origin = request.headers.origin;
    // Browsers apply no CORS to WebSockets: the origin is checked here instead.
    if (origin !== undefined && !originAllowed(origin, routing.corsOrigins)) {
      return refuseOnSocket(socket, serviceProblems.originNotAllowed(origin));
    }
    if (!rawPath(request).startsWith('/client')) return refuseOnSocket(socket, serviceProblems.notFound(url.pathname));
    handleClientUpgrade(core, wss, request, socket, head, url);
  });
  return server;
}

function fail(response: ServerResponse, error: unknown, log: (message: string) => void): void {
  if (error instanceof HttpError) {
    const headers: Record<string, string> = error.errorCode ? { 'x-ms-error-code': error.errorCode } : {};
    if (error.status === 401) headers['WWW-Authenticate'] = 'Bearer error="invalid_token"';
    sendText(response, error.status, error.message, headers);
    return;
  }
  log(`internal error: ${(error as Error).stack ?? String(error)}`);
  sendText(response, 500, 'internal error');
}

function positive(value: number, name: string): number {
  if (!Number.isFinite(value) || value <= 0) throw new Error(`startSignalRService: ${name} must be positive`);
  return value;
}
