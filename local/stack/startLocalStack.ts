import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { settingLookup } from '../host/appSettings.js';
import { readHostJson } from '../host/hostJson.js';
import { createConsoleLogger, startFunctionsHost, type FunctionsHost, type HostLogger } from '../host/index.js';
import type { AmqpServer } from '../servicebus/amqp/index.js';
import type { ServiceBusBroker } from '../servicebus/index.js';
import { readAppPackage } from '../shared/appPackage.js';
import type { Clock } from '../shared/clock.js';
import type { HttpTimeouts } from '../shared/localHttpServer.js';
import { loadOrCreateSecret } from '../shared/secretFile.js';
import type { SignalRService } from '../signalr/index.js';
import { Telemetry } from '../telemetry/index.js';
import { pointAtLocalEndpoints } from './services/emulatorSettings.js';
import { hostMiddleware } from './hostMiddleware.js';
import { checkScriptRoot } from './scriptRoot.js';
import { needsOfSettings } from './services/servicePlan.js';
import { placeStackServices } from './placeServices.js';
import type { StackServices, StartedService } from './services/stackServices.js';
import { stackHandles } from './stackHandles.js';
import { readStackSettings, type StackSettings } from './stackSettings.js';

export type LocalStackOptions = {
  /** The Functions app folder (host.json, package.json, local.settings.json, servicebus.config.json). Default: cwd. */
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

/**
 * The running stack. Services start on demand: a handle (and URL) of one that was not started throws, saying
 * why it was not needed; `started` lists those that run and why.
 */
export type LocalStack = {
  urls: {
    readonly functions: string;
    readonly signalr: string;
    readonly tableService: string;
    readonly servicebus: string;
  };
  host: FunctionsHost;
  readonly broker: ServiceBusBroker;
  /** The broker's AMQP endpoint. */
  readonly amqp: AmqpServer;
  /** Spans and logs of every part; the inspector at `/_local/` shows them (see local/telemetry). */
  telemetry: Telemetry;
  /** What `/admin/*` requires in `x-functions-key`: kept per data dir, fresh per start in memory. */
  masterKey: string;
  readonly signalr: SignalRService;
  /** The services running besides the host, and why each was started (settings, files, the functions' bindings). */
  readonly started: readonly StartedService[];
  /** Stops the SignalR service and starts it again on the same port, as an outage would (clients must reconnect). */
  restartSignalR(): Promise<void>;
  /** Stops every part, in the reverse order of starting. Idempotent. */
  dispose(): Promise<void>;
};

/** Everything but the Functions host (`npm run services`), for a real `func start` on the same settings. */
export type LocalServices = Omit<LocalStack, 'host'>;

/**
 * Starts the local stack for the app in `appDir` in this process — the Functions host with the app, Easy Auth
 * emulation, and the services the app needs: Azurite, the Service Bus stand-in, the SignalR service stand-in —
 * and returns handles to each. `npm start` and the integration tests both come through here.
 */
export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  return (await start(options, true)) as LocalStack;
}

/**
 * The services without the Functions host (`npm run services`), for a real `func start`: with no index of the app,
 * what its settings and files name (emulator connection strings, servicebus.config.json).
 */
export function startLocalServices(options: LocalStackOptions = {}): Promise<LocalServices> {
  return start(options, false);
}

/** What every step of a start shares. */
export type StackContext = {
  appDir: string;
  dataDir: string;
  inMemory: boolean;
  logger: HostLogger;
  telemetry: Telemetry;
  settings: StackSettings;
  /** The host's resolved settings once it has them (before that, the stack's own view of them). */
  setting(name: string): string | undefined;
  hostUrl(): string;
};

async function start(options: LocalStackOptions, withHost: boolean): Promise<LocalServices & { host?: FunctionsHost }> {
  const appDir = resolve(options.appDir ?? process.cwd());
  checkScriptRoot(appDir);
  const dataDir = resolve(options.dataDir ?? join(appDir, '.local'));
  const inMemory = options.inMemory ?? false;
  const logger = options.logger ?? createConsoleLogger({ verbose: options.verbose, clock: options.clock });
  if (!inMemory) mkdirSync(dataDir, { recursive: true });
  // Stopped last: whatever the other parts record on the way down is still exported.
  const telemetry = new Telemetry({ serviceName: readAppPackage(appDir).pkg.name });
  const stoppers: (() => Promise<void>)[] = [() => telemetry.shutdown()];
  const dispose = async (): Promise<void> => {
    for (const stop of stoppers.splice(0).reverse()) {
      await stop().catch((error: unknown) =>
        logger.log({
          level: 'warning',
          category: 'Host.General',
          message: `While stopping: ${(error as Error).message}`,
        }),
      );
    }
  };
  try {
    const settings = readStackSettings(appDir, options.env ?? process.env, logger);
    const live: { host?: FunctionsHost } = {};
    let setting = settingLookup(settings.configured);
    // A real `func start` serves the app on Host.LocalHttpPort: SignalR upstream events go there.
    const funcStartUrl = `http://localhost:${settings.local.localHttpPort ?? 7071}`;
    const context: StackContext = {
      ...{ appDir, dataDir, inMemory, logger, telemetry, settings },
      setting: (name) => setting(name),
      hostUrl: () => (withHost ? (live.host?.url ?? '') : funcStartUrl),
    };
    const services = await placeStackServices(context, options);
    stoppers.push(() => services.stop());
    const early = services.startEarly(needsOfSettings(appDir, settings.configured, !withHost));
    const masterKey = loadOrCreateSecret(inMemory ? undefined : join(dataDir, 'host', 'master.key')).toString(
      'base64url',
    );
    const handles = () => stackHandles(services, context.hostUrl(), masterKey, telemetry, dispose);
    if (!withHost) {
      await early;
      return handles();
    }
    const host = await startHost(context, services, options, masterKey, {
      onSettings: (resolved) => (setting = settingLookup({ ...resolved })),
    });
    live.host = host;
    stoppers.push(() => host.close());
    return Object.assign(handles(), { host });
  } catch (error) {
    await dispose();
    throw error;
  }
}

/**
 * The Functions host with the stack's middleware, its emulator settings pointed at where the services listen,
 * and the services started for what the indexed app uses before any trigger runs (`services.forHost()`).
 */
async function startHost(
  context: StackContext,
  services: StackServices,
  options: LocalStackOptions,
  masterKey: string,
  hooks: { onSettings(settings: Readonly<Record<string, string>>): void },
): Promise<FunctionsHost> {
  const { appDir, settings } = context;
  const live: { host?: FunctionsHost } = {};
  const webRoot = options.webRoot === undefined ? join(appDir, 'web', 'dist') : options.webRoot;
  const middleware = hostMiddleware({
    services,
    host: () => live.host,
    hostUrl: context.hostUrl,
    dataDir: context.dataDir,
    inMemory: context.inMemory,
    routePrefix: readHostJson(appDir).http.routePrefix,
    unauthenticatedAction: settings.unauthenticatedAction,
    corsOrigins: settings.local.corsOrigins,
    webRoot,
    masterKey,
    clock: options.clock,
    telemetry: context.telemetry,
  });
  const { azurite, serviceBus, signalR } = services.parts;
  live.host = await startFunctionsHost({
    appDir,
    port: options.port,
    env: options.env ?? process.env,
    rewriteSettings: (resolved) => {
      hooks.onSettings(resolved);
      return pointAtLocalEndpoints(resolved, {
        storageConnectionString: azurite.storageConnectionString,
        signalrPort: signalR.port,
        signalrAccessKey: signalR.accessKey,
        servicebus: serviceBus.endpoint,
      });
    },
    settingsOverrides: settings.fallback ? settings.fileValues : {},
    services: services.forHost(),
    middleware,
    watch: options.watch ?? false,
    logger: context.logger,
    clock: options.clock,
    masterKey,
    allowedHosts: options.allowedHosts,
    timeouts: options.httpTimeouts,
    telemetry: context.telemetry,
  });
  return live.host;
}
