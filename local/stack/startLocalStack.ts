import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createEasyAuth, loadOrCreateAuthSecret } from '../auth/index.js';
import { readLocalSettings } from '../host/appSettings.js';
import { signalRConnectionInfoAdapter } from '../host/bindings/signalRConnectionInfo.js';
import { signalROutputAdapter } from '../host/bindings/signalR.js';
import { createSignalRTriggerBinding } from '../host/bindings/signalRTrigger.js';
import {
  createConsoleLogger,
  createServiceBusBindings,
  startFunctionsHost,
  type FunctionsHost,
  type HostLogger,
} from '../host/index.js';
import { startAmqpServer, type AmqpServer } from '../servicebus/amqp/index.js';
import { loadTopology, ServiceBusBroker } from '../servicebus/index.js';
import type { Clock } from '../shared/clock.js';
import { startSignalRService, type SignalRService } from '../signalr/index.js';
import { freePort } from '../shared/freePort.js';
import { azuriteEndpoints, startAzurite } from '../storage/azurite.js';
import { localSignalR, pointAtLocalEndpoints, SERVICE_BUS_DEFAULT_PORT, serviceBusKeys } from './emulatorSettings.js';
import { localAdminMiddleware, type PartStatus } from './localAdmin.js';
import { staticFilesMiddleware } from './staticFiles.js';

export type LocalStackOptions = {
  /** The Functions app folder (package.json, host.json, local.settings.json, servicebus.config.json). Default: cwd. */
  appDir?: string;
  /** Functions host port; 0 = free port. Default: local.settings.json Host.LocalHttpPort, else 7071. */
  port?: number;
  /** SignalR service port; 0 = free port. Default 8888. */
  signalrPort?: number;
  /** Azurite table port; 0 = free port. Default 10002, reusing an Azurite already listening there. */
  azuritePort?: number;
  /** Service Bus AMQP port; 0 = free port. Default 5672 (where `UseDevelopmentEmulator=true` clients connect). */
  servicebusPort?: number;
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
};

export type LocalStack = {
  urls: { functions: string; signalr: string; tableService: string; servicebus: string };
  host: FunctionsHost;
  broker: ServiceBusBroker;
  /** The broker's AMQP endpoint. */
  amqp: AmqpServer;
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

  const stoppers: (() => Promise<void>)[] = [];
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

    // Azurite's process boots while the rest of the stack starts: its port is settled first so the settings
    // can name it, and the stack is ready only once Azurite is.
    const requestedAzuritePort = options.azuritePort ?? 10002;
    const azuritePort = requestedAzuritePort === 0 ? await freePort() : requestedAzuritePort;
    const azuriteStarting = startAzurite({
      port: azuritePort,
      reuseExisting: requestedAzuritePort !== 0,
      dataDir: join(dataDir, 'azurite'),
      inMemory,
    });
    azuriteStarting.catch(() => undefined); // awaited below; this only keeps an early failure from going unhandled
    stoppers.push(async () => (await azuriteStarting.catch(() => undefined))?.stop());
    const storage = azuriteEndpoints('127.0.0.1', azuritePort);

    const broker = await ServiceBusBroker.open({
      topology: loadTopology(join(appDir, 'servicebus.config.json')),
      dataDir: join(dataDir, 'servicebus'),
      inMemory,
      clock: options.clock,
    });
    stoppers.push(() => broker.close());
    // The same broker on the wire (AMQP 1.0) for @azure/service-bus clients and a real `func start`; it takes
    // the keys of the emulator connection strings the app is configured with.
    const amqp = await startAmqpServer({
      broker,
      keys: serviceBusKeys(Object.values(configured)),
      port: options.servicebusPort ?? SERVICE_BUS_DEFAULT_PORT,
      log: (message) => log(`[servicebus] ${message}`),
    });
    stoppers.push(() => amqp.close());

    // The service signs and checks tokens with the key the app's connection string carries.
    const accessKey =
      localSignalR(configured[SIGNALR_SETTING] ?? '')?.accessKey ??
      Object.values(configured)
        .map((v) => localSignalR(v)?.accessKey)
        .find((k) => k !== undefined) ??
      randomBytes(32).toString('base64');
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
      log: (message: string) => log(`[signalr] ${message}`),
    };
    if (!inMemory) mkdirSync(join(dataDir, 'signalr'), { recursive: true });
    let signalr = await startSignalRService({ ...signalrOptions, port: options.signalrPort ?? 8888 });
    stoppers.push(() => signalr.close());

    const local = readLocalSettings(appDir, () => undefined);
    const handles = (functionsUrl: string): LocalServices => ({
      urls: {
        functions: functionsUrl,
        signalr: signalr.url,
        tableService: storage.tableEndpoint,
        servicebus: `sb://localhost:${amqp.port}`,
      },
      broker,
      amqp,
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
    if (!withHost) {
      // A real `func start` serves the app on Host.LocalHttpPort: SignalR upstream events go there.
      hostUrl = `http://localhost:${local.localHttpPort ?? 7071}`;
      await azuriteStarting;
      return handles(hostUrl);
    }
    const easyAuth = createEasyAuth({
      secret: loadOrCreateAuthSecret(inMemory ? undefined : dataDir),
      clock: options.clock,
      allowedRedirectOrigins: local.corsOrigins,
    });

    const parts: PartStatus[] = [
      { name: 'storage', url: storage.tableEndpoint, ready: () => reachable(storage.tableEndpoint) },
      { name: 'servicebus', ready: async () => broker.stats().length >= 0 },
      { name: 'signalr', url: signalr.url, ready: () => reachable(`${signalr.url}/api/health`) },
      {
        name: 'functions',
        get url() {
          return hostUrl;
        },
        ready: async () => host.functions().length > 0,
      },
    ];
    const signalRTrigger = createSignalRTriggerBinding();
    const middleware = [easyAuth.middleware, localAdminMiddleware(parts, broker), signalRTrigger.middleware];
    const webRoot = options.webRoot === undefined ? join(appDir, 'web', 'dist') : options.webRoot;
    if (webRoot) middleware.push(staticFilesMiddleware(webRoot, RESERVED_PATHS));

    const host: FunctionsHost = await startFunctionsHost({
      appDir,
      port: options.port,
      env,
      rewriteSettings: (settings) =>
        pointAtLocalEndpoints(settings, {
          storageConnectionString: storage.connectionString,
          signalrPort: signalr.port,
          servicebusPort: amqp.port,
        }),
      settingsOverrides: fallback ? fileValues : {},
      bindings: [
        ...createServiceBusBindings(broker),
        signalRConnectionInfoAdapter,
        signalROutputAdapter,
        signalRTrigger.adapter,
      ],
      middleware,
      watch: options.watch ?? false,
      logger,
      clock: options.clock,
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

async function reachable(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
    await response.arrayBuffer();
    return response.status < 500;
  } catch {
    return false;
  }
}
