import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  createEasyAuth,
  loadOrCreateAuthSecret,
  openRevocations,
  parseUnauthenticatedAction,
  revocationsFile,
  UNAUTHENTICATED_ACTION_SETTING,
} from '../auth/index.js';
import { readLocalSettings } from '../host/appSettings.js';
import { readHostJson } from '../host/hostJson.js';
import type { HttpTimeouts } from '../shared/localHttpServer.js';
import {
  createConsoleLogger,
  runningServices,
  startFunctionsHost,
  type FunctionsHost,
  type HostLogger,
} from '../host/index.js';
import { startAmqpServer, type AmqpServer } from '../servicebus/amqp/index.js';
import { loadTopology, ServiceBusBroker } from '../servicebus/index.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { localSignalR, startSignalRService, type SignalRService } from '../signalr/index.js';
import { loadOrCreateSecret } from '../shared/secretFile.js';
import { freePort } from '../shared/freePort.js';
import { azuriteEndpoints, placeAzurite, startAzurite, type AzuriteHandle } from '../storage/azurite.js';
import { emulatorConnectionString } from '../storage/blobQueue.js';
import { lazyStorageService } from './storageService.js';
import { generateKey, isPublicKey } from '../shared/installSecrets.js';
import { pointAtLocalEndpoints, SERVICE_BUS_DEFAULT_PORT, serviceBusKeys } from './emulatorSettings.js';
import { localAdminMiddleware, type PartStatus } from './localAdmin.js';
import { staticFilesMiddleware } from './staticFiles.js';
import { createInspector } from '../inspector/index.js';
import { readAppPackage } from '../shared/appPackage.js';
import { Telemetry } from '../telemetry/index.js';

export type LocalStackOptions = {
  /** The Functions app folder (package.json, host.json, local.settings.json, servicebus.config.json). Default: cwd. */
  appDir?: string;
  /** Functions host port; 0 = free port. Default: local.settings.json Host.LocalHttpPort, else 7071. */
  port?: number;
  /** SignalR service port; 0 = free port. Default 8888. */
  signalrPort?: number;
  /**
   * Azurite table port; 0 = free port. Default 10002, or a free port when something holds it. An Azurite already
   * listening on an explicit port is used instead of starting one.
   */
  azuritePort?: number;
  /** Use an Azurite already listening on the Azurite port (its own data and persistence) instead of a new one. */
  reuseAzurite?: boolean;
  /** Service Bus AMQP port; 0 = free port. Default 5672 (where `UseDevelopmentEmulator=true` clients connect). */
  servicebusPort?: number;
  /**
   * Azurite blob and queue ports (started when an app's bindings need them); 0 = free port. Default 10000 and 10001,
   * or free ports when `azuritePort` is 0.
   */
  blobPort?: number;
  queuePort?: number;
  /** Where broker, Azurite, SignalR and auth state live. Default `<appDir>/.local`. */
  dataDir?: string;
  /** Keep everything in memory: nothing written, nothing survives a restart. */
  inMemory?: boolean;
  /** Reload the app when its compiled files change. Default false (the CLI turns it on). */
  watch?: boolean;
  /** The built web client served at `/`; false to serve none. Default `<appDir>/web/dist`. */
  webRoot?: string | false;
  /** The real environment; default process.env. */
  env?: Record<string, string | undefined>;
  logger?: HostLogger;
  verbose?: boolean;
  clock?: Clock;
  /** Host names the Functions host and the SignalR service answer besides the local ones (`--allowed-hosts`). */
  allowedHosts?: string[];
  /** The Functions host's header and request timeouts (tests shorten them). */
  httpTimeouts?: Partial<HttpTimeouts>;
};

export type LocalStack = {
  urls: { functions: string; signalr: string; tableService: string; servicebus: string };
  host: FunctionsHost;
  broker: ServiceBusBroker;
  /** The broker's AMQP endpoint. */
  amqp: AmqpServer;
  /** Spans and logs of every part; the inspector at `/_local/` shows them (see local/telemetry). */
  telemetry: Telemetry;
  /** What `/admin/*` requires in `x-functions-key`: kept per data dir, fresh per start in memory. */
  masterKey: string;
  readonly signalr: SignalRService;
  /** Stops the SignalR service and starts it again on the same port, as an outage would (clients must reconnect). */
  restartSignalR(): Promise<void>;
  /** Stops every part, in the reverse order of starting. Idempotent. */
  dispose(): Promise<void>;
};

const SIGNALR_SETTING = 'AzureSignalRConnectionString';
/** Paths the platform owns: never answered from the web client's files. */
const RESERVED_PATHS = ['/api', '/.auth', '/admin', '/runtime', '/_local'];

/**
 * Starts the whole local stack in this process — Azurite, the Service Bus stand-in, the SignalR service stand-in,
 * Easy Auth emulation and the Functions host with the app — and returns handles to each. `npm start` and the
 * integration tests both come through here.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  return (await start(options, true)) as LocalStack;
}

/** Everything but the Functions host (`npm run services`), for a real `func start` on the same settings. */
export type LocalServices = Omit<LocalStack, 'host'>;

export function startLocalServices(options: LocalStackOptions = {}): Promise<LocalServices> {
  return start(options, false);
}

async function start(options: LocalStackOptions, withHost: boolean): Promise<LocalServices & { host?: FunctionsHost }> {
  const appDir = resolve(options.appDir ?? process.cwd());
  const dataDir = resolve(options.dataDir ?? join(appDir, '.local'));
  const inMemory = options.inMemory ?? false;
  const env = options.env ?? process.env;
  const logger = options.logger ?? createConsoleLogger({ verbose: options.verbose, clock: options.clock });
  const log = (message: string, level: 'information' | 'warning' = 'information') =>
    logger.log({ level, category: 'Host.General', message });
  if (!inMemory) mkdirSync(dataDir, { recursive: true });

  // Stopped last: whatever the other parts record on the way down is still exported.
  const telemetry = new Telemetry({ serviceName: readAppPackage(appDir).pkg.name });
  const stoppers: (() => Promise<void>)[] = [() => telemetry.shutdown()];
  const dispose = async (): Promise<void> => {
    for (const stop of stoppers.splice(0).reverse()) {
      await stop().catch((error: unknown) => log(`While stopping: ${(error as Error).message}`, 'warning'));
    }
  };

  try {
    const { values: fileValues, fallback } = appSettingsForStack(appDir, logger);
    if (fallback) log(`No local.settings.json in ${appDir}: using the values of local.settings.sample.json.`);
    const configured: Record<string, string> = { ...fileValues };
    for (const [name, value] of Object.entries(env)) if (value !== undefined) configured[name] = value;
    const unauthenticatedAction = parseUnauthenticatedAction(configured[UNAUTHENTICATED_ACTION_SETTING]);

    // Azurite's process boots while the rest of the stack starts: its port is settled first so the settings
    // can name it, and the stack is ready only once Azurite is.
    const azuriteLog = (message: string, level: 'information' | 'warning' | 'error') =>
      logger.log({ level, category: 'Host.Storage', message });
    const placement = await placeAzurite({ port: options.azuritePort, reuse: options.reuseAzurite, log: azuriteLog });
    const azuritePort = placement.port;
    const azuriteStarting = startAzurite({
      port: azuritePort,
      reuseExisting: placement.reuseExisting,
      dataDir: join(dataDir, 'azurite'),
      inMemory,
      clock: options.clock,
      log: azuriteLog,
    });
    azuriteStarting.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
    stoppers.push(async () => (await azuriteStarting.catch(() => undefined))?.stop());
    const storage = azuriteEndpoints('127.0.0.1', azuritePort);
    // Blob and queue ports follow the table port's choice: any free ones when it is 0 (tests, several stacks).
    const anyPort = options.azuritePort === 0;
    const storageService = lazyStorageService({
      azurite: azuriteStarting,
      blobPort: (options.blobPort ?? (anyPort ? 0 : 10000)) || (await freePort()),
      queuePort: (options.queuePort ?? (anyPort ? 0 : 10001)) || (await freePort()),
      tableEndpoint: storage.tableEndpoint,
    });
    stoppers.push(() => storageService.stop());

    const broker = await ServiceBusBroker.open({
      topology: loadTopology(join(appDir, 'servicebus.config.json')),
      dataDir: join(dataDir, 'servicebus'),
      inMemory,
      clock: options.clock,
      telemetry,
    });
    stoppers.push(() => broker.close());
    // The same broker on the wire (AMQP 1.0) for @azure/service-bus clients and a real `func start`; it takes
    // the keys of the emulator connection strings the app is configured with (never the sample's public one).
    const servicebus = { port: 0, keyForPublicKeys: generateKey() };
    const amqp = await startAmqpServer({
      broker,
      keys: serviceBusKeys(Object.values(configured), servicebus.keyForPublicKeys),
      port: options.servicebusPort ?? SERVICE_BUS_DEFAULT_PORT,
      log: (message) => log(`[servicebus] ${message}`),
    });
    servicebus.port = amqp.port;
    stoppers.push(() => amqp.close());

    // The service signs and checks tokens with the key the app's connection string carries — unless that is the
    // sample's public placeholder (no local.settings.json yet, or the tests' settings): then with one made for
    // this run, which the app's settings are pointed at below.
    const configuredKey =
      localSignalR(configured[SIGNALR_SETTING] ?? '')?.accessKey ??
      Object.values(configured)
        .map((v) => localSignalR(v)?.accessKey)
        .find((k) => k !== undefined);
    const accessKey = configuredKey === undefined || isPublicKey(configuredKey) ? generateKey() : configuredKey;
    if (configuredKey !== undefined && isPublicKey(configuredKey)) {
      log('The SignalR AccessKey in the settings is the public placeholder: signing with a key made for this run.');
    }
    const local = readLocalSettings(appDir, () => undefined);
    let hostUrl = '';
    const upstream = {
      get url(): string {
        return `${hostUrl}/runtime/webhooks/signalr`;
      },
    };
    const signalrOptions = {
      hostname: '127.0.0.1',
      accessKey,
      upstream,
      clock: options.clock,
      statePath: inMemory ? undefined : join(dataDir, 'signalr', 'state.json'),
      // The web client comes from the host's own origin; Host.CORS names any other (a dev server).
      corsOrigins: () => [...ownOrigins(hostUrl), ...local.corsOrigins],
      allowedHosts: options.allowedHosts,
      log: (message: string) => log(`[signalr] ${message}`),
      telemetry,
    };
    if (!inMemory) mkdirSync(join(dataDir, 'signalr'), { recursive: true });
    let signalr = await startSignalRService({ ...signalrOptions, port: options.signalrPort ?? 8888 });
    stoppers.push(() => signalr.close());

    const handles = (functionsUrl: string): LocalServices => ({
      urls: {
        functions: functionsUrl,
        signalr: signalr.url,
        tableService: storage.tableEndpoint,
        servicebus: `sb://localhost:${amqp.port}`,
      },
      broker,
      amqp,
      telemetry,
      masterKey,
      get signalr() {
        return signalr;
      },
      async restartSignalR() {
        const port = signalr.port;
        await signalr.close();
        signalr = await startSignalRService({ ...signalrOptions, port });
      },
      dispose,
    });
    const masterKey = loadOrCreateSecret(inMemory ? undefined : join(dataDir, 'host', 'master.key')).toString(
      'base64url',
    );
    if (!withHost) {
      // A real `func start` serves the app on Host.LocalHttpPort: SignalR upstream events go there. Its host keeps
      // leases and timer status in AzureWebJobsStorage's blobs and queues, so those run from the start.
      hostUrl = `http://localhost:${local.localHttpPort ?? 7071}`;
      await Promise.all([azuriteStarting, storageService.start()]);
      return handles(hostUrl);
    }
    const easyAuth = createEasyAuth({
      secret: loadOrCreateAuthSecret(inMemory ? undefined : dataDir),
      clock: options.clock,
      allowedRedirectOrigins: local.corsOrigins,
      revocations: openRevocations(
        inMemory ? undefined : revocationsFile(dataDir),
        (options.clock ?? systemClock).now(),
      ),
      // As App Service with requireAuthentication: what an anonymous call to a function route gets is the app's
      // choice (its settings); without one, the functions decide.
      requireAuthentication: unauthenticatedAction && underRoutePrefix(readHostJson(appDir).http.routePrefix),
      unauthenticatedAction,
      telemetry,
    });

    const parts: PartStatus[] = [
      {
        name: 'storage',
        url: storage.tableEndpoint,
        ready: () => storageReady(azuriteStarting, storage.tableEndpoint),
      },
      { name: 'servicebus', ready: () => broker.checkHealth().then(() => true) },
      { name: 'signalr', url: signalr.url, ready: () => reachable(`${signalr.url}/api/health`) },
      {
        name: 'functions',
        get url() {
          return hostUrl;
        },
        // Not after a failed reload: the host then answers every request 503.
        ready: async () => host.isRunning() && host.functions().length > 0,
      },
    ];
    const inspector = createInspector({
      telemetry,
      broker,
      signalr: () => signalr,
      functions: () => host?.functions() ?? [],
      tableConnectionString: storage.connectionString,
      masterKey,
    });
    const middleware = [easyAuth.middleware, localAdminMiddleware(parts, broker, inspector)];
    const webRoot = options.webRoot === undefined ? join(appDir, 'web', 'dist') : options.webRoot;
    if (webRoot) middleware.push(staticFilesMiddleware(webRoot, RESERVED_PATHS));

    const host: FunctionsHost = await startFunctionsHost({
      appDir,
      port: options.port,
      env,
      rewriteSettings: (settings) =>
        pointAtLocalEndpoints(settings, {
          storageConnectionString: emulatorConnectionString({
            ...storageService.endpoints,
            tableEndpoint: storage.tableEndpoint,
          }),
          signalrPort: signalr.port,
          signalrAccessKey: accessKey,
          servicebus,
        }),
      settingsOverrides: fallback ? fileValues : {},
      // The SignalR service is already running for every app here; bindings reach it over its REST API. Trigger
      // listeners start once this resolves, so it waits for Azurite, which the app's own code may need (the orders
      // table) even when no binding names it: no trigger may fire into a stack still starting.
      services: {
        start: async (names) => {
          await azuriteStarting;
          return new Map([
            ...(await runningServices({ serviceBus: broker, signalR: signalr }).start(names)),
            ...(names.includes('storage') ? [['storage', await storageService.start()] as const] : []),
          ]);
        },
      },
      middleware,
      watch: options.watch ?? false,
      logger,
      clock: options.clock,
      masterKey,
      allowedHosts: options.allowedHosts,
      timeouts: options.httpTimeouts,
      telemetry,
    });
    stoppers.push(() => host.close());
    hostUrl = host.url;
    await azuriteStarting;

    // Object.assign keeps the live `signalr` getter (a spread would freeze it).
    return Object.assign(handles(host.url), { host });
  } catch (error) {
    await dispose();
    throw error;
  }
}

/** local.settings.json Values; on a fresh clone (no such file) the committed sample's, so the app still runs. */
function appSettingsForStack(
  appDir: string,
  logger: HostLogger,
): { values: Record<string, string>; fallback: boolean } {
  const local = readLocalSettings(appDir, (entry) => logger.log(entry));
  if (local.path) return { values: local.values, fallback: false };
  const sample = join(appDir, 'local.settings.sample.json');
  if (!existsSync(sample)) return { values: {}, fallback: false };
  const json = JSON.parse(readFileSync(sample, 'utf8')) as { Values?: Record<string, string> };
  return { values: json.Values ?? {}, fallback: true };
}

/**
 * The app's function routes, which Easy Auth closes to anonymous callers when the app requires authentication
 * (as the deployed app does, with Return401); the platform's own paths have their own keys and checks.
 */
function underRoutePrefix(routePrefix: string): (url: URL) => boolean {
  const under = (path: string, prefix: string) => path === prefix || path.startsWith(`${prefix}/`);
  return (url) => {
    const path = url.pathname.toLowerCase();
    if (RESERVED_PATHS.some((p) => p !== '/api' && under(path, p))) return false;
    return routePrefix === '' || under(path, `/${routePrefix.toLowerCase()}`);
  };
}

/** The host's origin by each loopback name: a page from either may reach the SignalR service. */
function ownOrigins(hostUrl: string): string[] {
  if (hostUrl === '') return [];
  const { origin, port } = new URL(hostUrl);
  return [origin, `http://localhost:${port}`, `http://127.0.0.1:${port}`];
}

/** Azurite up (not restarting or given up on), with room to write, and answering. */
async function storageReady(azurite: Promise<AzuriteHandle>, url: string): Promise<boolean> {
  const health = await (await azurite).health();
  return (health.state === 'running' || health.state === 'reused') && !health.diskFull && (await reachable(url));
}

async function reachable(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status < 500;
  } catch {
    return false;
  }
}
