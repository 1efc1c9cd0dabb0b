import {
  createEasyAuth,
  loadOrCreateAuthSecret,
  openRevocations,
  revocationsFile,
  type UnauthenticatedAction,
} from '../auth/index.js';
import type { FunctionsHost, HttpMiddleware } from '../host/index.js';
import { createInspector } from '../inspector/index.js';
import { LocalProblemError, localProblems } from '../inspector/index.js';
import { systemClock, type Clock } from '../shared/clock.js';
import type { Telemetry } from '../telemetry/index.js';
import { localAdminMiddleware, type PartStatus } from './localAdmin.js';
import { reachable } from './services/reachable.js';
import { notStarted, type StackServices } from './services/stackServices.js';
import { staticFilesMiddleware } from './staticFiles.js';

/** Paths the platform owns: never answered from the web client's files. */
export const RESERVED_PATHS = ['/api', '/.auth', '/admin', '/runtime', '/_local'];

export type HostMiddlewareOptions = {
  services: StackServices;
  host(): FunctionsHost | undefined;
  hostUrl(): string;
  dataDir: string;
  inMemory: boolean;
  routePrefix: string;
  /**
   * What an anonymous call to the app's routes gets (the app setting WEBSITE_AUTH_UNAUTHENTICATED_ACTION, as
   * this app's deployment configures App Service Authentication); undefined lets it through to the functions.
   */
  unauthenticatedAction: UnauthenticatedAction | undefined;
  /** local.settings.json Host.CORS: where sign-in may send a browser back to. */
  corsOrigins: readonly string[];
  webRoot: string | false;
  masterKey: string;
  clock?: Clock;
  telemetry: Telemetry;
};

/** Easy Auth, `/_local` (health, the broker view, the inspector) and the web client, in the order they run. */
export function hostMiddleware(options: HostMiddlewareOptions): HttpMiddleware[] {
  const { services, dataDir, inMemory, telemetry } = options;
  const easyAuth = createEasyAuth({
    secret: loadOrCreateAuthSecret(inMemory ? undefined : dataDir),
    clock: options.clock,
    allowedRedirectOrigins: [...options.corsOrigins],
    revocations: openRevocations(inMemory ? undefined : revocationsFile(dataDir), (options.clock ?? systemClock).now()),
    requireAuthentication: options.unauthenticatedAction && underRoutePrefix(options.routePrefix),
    unauthenticatedAction: options.unauthenticatedAction,
    telemetry,
  });
  const { serviceBus, signalR, azurite } = services.parts;
  // A view of a service that was not started answers 503 saying why, through the inspector's problem path.
  const unavailable = (name: 'serviceBus' | 'signalR') =>
    new LocalProblemError(localProblems.unavailable(`The ${name} view`, notStarted(name).message));
  const inspector = createInspector({
    telemetry,
    get broker() {
      if (!serviceBus.current) throw unavailable('serviceBus');
      return serviceBus.current.broker;
    },
    signalr: () => {
      if (!signalR.current) throw unavailable('signalR');
      return signalR.current;
    },
    functions: () => options.host()?.functions() ?? [],
    tableConnectionString: azurite.tableConnectionString,
    masterKey: options.masterKey,
  });
  const middleware: HttpMiddleware[] = [
    easyAuth.middleware,
    localAdminMiddleware(
      () => healthParts(options),
      () => serviceBus.current?.broker,
      inspector,
    ),
  ];
  if (options.webRoot) middleware.push(staticFilesMiddleware(options.webRoot, RESERVED_PATHS));
  return middleware;
}

/** `/_local/health`: every service that runs, and the functions. */
function healthParts({ services, host, hostUrl }: HostMiddlewareOptions): PartStatus[] {
  const { azurite, serviceBus, signalR } = services.parts;
  const parts: PartStatus[] = [];
  if (services.has('storage'))
    parts.push({ name: 'storage', url: azurite.tableEndpoint, ready: () => azurite.ready() });
  if (serviceBus.current) {
    const { broker } = serviceBus.current;
    parts.push({ name: 'servicebus', ready: () => broker.checkHealth().then(() => true) });
  }
  if (signalR.current) {
    const { url } = signalR.current;
    parts.push({ name: 'signalr', url, ready: () => reachable(`${url}/api/health`) });
  }
  // Not after a failed reload: the host then answers every request 503.
  const running = host();
  parts.push({
    name: 'functions',
    url: hostUrl(),
    ready: async () => running !== undefined && running.isRunning() && running.functions().length > 0,
  });
  return parts;
}

/**
 * The app's function routes, which the deployed app's Easy Auth (Return401) closes to anonymous callers; the
 * platform's own paths have their own keys and checks.
 */
function underRoutePrefix(routePrefix: string): (url: URL) => boolean {
  const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
  return (url) => {
    const path = url.pathname.toLowerCase();
    if (RESERVED_PATHS.some((p) => p !== '/api' && under(path, p))) return false;
    return routePrefix === '' || under(path, `/${routePrefix.toLowerCase()}`);
  };
}
