import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { readAppPackage } from '../shared/appPackage.js';
import { systemClock, type Clock } from '../shared/clock.js';
import { startGeneration, type Generation } from './appGeneration.js';
import { readLocalSettings, resolveAppSettings, settingLookup, type LocalSettings } from './appSettings.js';
import { watchAppCode } from './appWatcher.js';
import type { TriggerHost } from './extensions/shared/bindingAdapter.js';
import type { RegisteredExtension } from './extensions/shared/extension.js';
import { builtInExtensions } from './extensions/index.js';
import { ExtensionRegistry } from './extensions/registry.js';
import { configureExtensions, type ConfiguredExtensions, type LocalServices } from './extensions/startExtensions.js';
import type { FunctionInfo } from './core/functionIndex.js';
import { FunctionErrors } from './core/functionErrors.js';
import { readHostJson, type HostConfig } from './hostJson.js';
import { HostState } from './hostState.js';
import { validateCorsPolicy } from './http/cors.js';
import { bodyLimitFrom } from './http/readBody.js';
import { createLocalHttpServer, DEFAULT_HTTP_TIMEOUTS, type HttpTimeouts } from '../shared/localHttpServer.js';
import { createRequestPipeline, type HttpMiddleware } from './http/requestPipeline.js';
import { RequestQueue } from './http/requestQueue.js';
import { Invoker, type InvocationResult, type TriggerInvocation } from './invoker.js';
import { closeServer, listen } from './listen.js';
import { createConsoleLogger, type HostLogger, type LogEntry } from './core/logger.js';
import { workerSettings } from './workers/workerSettings.js';
import { Telemetry } from '../telemetry/index.js';
import { configureHostTelemetry, withTelemetry } from './hostTelemetry.js';

export type FunctionsHostOptions = {
  /** Folder with package.json (`main` glob), host.json and local.settings.json. */
  appDir: string;
  /** 0 = any free port; default local.settings.json Host.LocalHttpPort, else 7071. */
  port?: number;
  /** Default local.settings.json Host.LocalHttpAddress, else 127.0.0.1 (what Core Tools listens on). */
  hostname?: string;
  /** The real environment (default process.env); wins over local.settings.json Values. */
  env?: Record<string, string | undefined>;
  /** Settings the local stack injects (connection strings of the parts it started); below Values. */
  settingsOverrides?: Record<string, string>;
  /**
   * Replacements computed from the resolved settings, applied last: the stack points emulator-form values
   * (`UseDevelopmentStorage=true`, a localhost SignalR endpoint) at the ports its parts really listen on.
   */
  rewriteSettings?: (settings: Readonly<Record<string, string>>) => Record<string, string>;
  /** The extensions the host knows; default the built-in ones (`builtInExtensions`). */
  extensions?: readonly RegisteredExtension[];
  /** Starts the local services extensions need (the stack's broker, SignalR service, ...). */
  services?: LocalServices;
  /** Run before routing, in order. */
  middleware?: HttpMiddleware[];
  /** Reload the app when its compiled files change. Default false. */
  watch?: boolean;
  /** Core Tools-style console output by default. */
  logger?: HostLogger;
  clock?: Clock;
  /** Invocation ids; default random UUIDs. */
  newId?: () => string;
  /** The master key the admin API requires; default a random one for this run (see `host.masterKey`). */
  masterKey?: string;
  /** Host names answered besides localhost, *.localhost, 127.0.0.0/8 and [::1] (see isAllowedHost). */
  allowedHosts?: readonly string[];
  /** How long a client may take to send its headers, and its whole request; see DEFAULT_HTTP_TIMEOUTS. */
  timeouts?: Partial<HttpTimeouts>;
  /** Spans and logs (the stack shares one with its other parts); default one of the host's own. */
  telemetry?: Telemetry;
};

export interface FunctionsHost {
  /** Base URL to reach the host from this machine, e.g. `http://127.0.0.1:7071`. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  readonly config: HostConfig;
  /** The app settings in effect: the language workers' environment. */
  readonly settings: Readonly<Record<string, string>>;
  /** The key `/admin/*` requires in `x-functions-key` (or `?code=`). */
  readonly masterKey: string;
  readonly telemetry: Telemetry;
  /** The functions that run, sorted by name (those in error left out; the admin API still lists the indexed ones). */
  functions(): FunctionInfo[];
  /** Process ids of the app's running language workers. */
  workerPids(): number[];
  /** Whether the host is serving (false while it starts, after a failed reload, once closed). */
  isRunning(): boolean;
  /** Runs one invocation of a function by name (what trigger adapters call). */
  invoke(functionName: string, invocation: TriggerInvocation): Promise<InvocationResult>;
  /** Restart the app as the host does on a file change: drain, terminate the workers, start new ones, re-index. */
  reload(): Promise<void>;
  /** Stops triggers and the server after in-flight invocations, then the workers (appTerminate hooks run). */
  close(): Promise<void>;
}

/** What a host without a loaded app reports: no function in error. */
const NO_ERRORS = new FunctionErrors();

type HostParts = {
  appDir: string;
  clock: Clock;
  logger: HostLogger;
  config: HostConfig;
  local: LocalSettings;
  registry: ExtensionRegistry;
  extensions: ConfiguredExtensions;
  services: LocalServices | undefined;
  main: string | undefined;
  telemetry: Telemetry;
  /** The host made its telemetry itself, so it shuts it down. */
  ownsTelemetry: boolean;
};

function prepare(options: FunctionsHostOptions): HostParts {
  const appDir = resolve(options.appDir);
  const clock = options.clock ?? systemClock;
  const { pkg, warning } = readAppPackage(appDir);
  const telemetry = options.telemetry ?? new Telemetry({ serviceName: pkg.name });
  const logger = withTelemetry(options.logger ?? createConsoleLogger({ clock }), telemetry);
  const log = (entry: LogEntry): void => logger.log(entry);
  const config = readHostJson(appDir);
  const registry = new ExtensionRegistry(options.extensions ?? builtInExtensions);
  const extensions = configureExtensions(registry, config.extensionSections, log);
  if (config.http.dynamicThrottlesEnabled) {
    log({
      level: 'warning',
      category: 'Host.General',
      message:
        "host.json 'extensions.http.dynamicThrottlesEnabled' is not emulated locally: requests are limited only by " +
        'maxConcurrentRequests and maxOutstandingRequests.',
    });
  }
  const local = readLocalSettings(appDir, log);
  validateCorsPolicy({ origins: local.corsOrigins, credentials: local.corsCredentials });
  if (warning) log({ level: 'warning', category: 'Worker', message: warning });
  return {
    appDir,
    clock,
    logger,
    config,
    local,
    registry,
    extensions,
    services: options.services,
    main: pkg.main,
    telemetry,
    ownsTelemetry: options.telemetry === undefined,
  };
}

/**
 * Starts a local Functions host for the app in `options.appDir`: the HTTP pipeline and trigger listeners here,
 * the app in language-worker processes that load `@azure/functions-core` and the app as Azure's Node worker does.
 */
export async function startFunctionsHost(options: FunctionsHostOptions): Promise<FunctionsHost> {
  const parts = prepare(options);
  const env = options.env ?? process.env;
  const bodyLimit = bodyLimitFrom(
    env.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT ?? parts.local.values.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT,
  );
  const runtime = new HostRuntime(parts, options.newId ?? randomUUID);
  const masterKey = options.masterKey ?? randomBytes(32).toString('base64url');
  const server = createLocalHttpServer(
    { ...DEFAULT_HTTP_TIMEOUTS, ...options.timeouts },
    createRequestPipeline({
      functions: () => runtime.functions,
      functionErrors: () => runtime.functionErrors,
      routePrefix: () => parts.config.http.routePrefix,
      customHeaders: parts.config.http.customHeaders,
      webhook: (name) => runtime.webhook(name),
      extensionAdmin: (name) => runtime.extensionAdmin(name),
      streaming: () => runtime.streaming,
      baseUrl: () => `http://localhost:${runtime.port}`,
      whenRunning: () => runtime.state.whenRunning(),
      invoke: (fn, invocation) => runtime.invoker.invoke(fn, invocation),
      cors: { origins: parts.local.corsOrigins, credentials: parts.local.corsCredentials },
      middleware: options.middleware ?? [],
      homepageDisabled: () => /^(true|1)$/i.test(runtime.setting('AzureWebJobsDisableHomepage') ?? ''),
      bodyLimit,
      requestQueue: new RequestQueue(parts.config.http),
      logger: parts.logger,
      allowedHosts: options.allowedHosts ?? [],
      masterKey,
      telemetry: parts.telemetry,
    }),
  );
  const hostname = options.hostname ?? parts.local.localHttpAddress ?? '127.0.0.1';
  try {
    await listen(server, options.port ?? parts.local.localHttpPort ?? 7071, hostname);
    runtime.port = (server.address() as AddressInfo).port;
    let settings = resolveAppSettings({
      env,
      local: parts.local,
      overrides: options.settingsOverrides ?? {},
      appDir: parts.appDir,
      port: runtime.port,
      log: (entry) => parts.logger.log(entry),
    });
    if (options.rewriteSettings) settings = { ...settings, ...options.rewriteSettings(settings) };
    runtime.settings = settings;
    configureHostTelemetry(parts.telemetry, parts.config.telemetryMode, runtime.setting, (e) => parts.logger.log(e));
    await runtime.start();
  } catch (error) {
    runtime.state.set('stopped');
    await closeServer(server);
    throw error;
  }
  if (options.watch) runtime.watch();
  const urlHost =
    hostname === '0.0.0.0' || hostname === '::' ? '127.0.0.1' : hostname.includes(':') ? `[${hostname}]` : hostname;
  return runtime.handle(`http://${urlHost}:${runtime.port}`, server, masterKey);
}

/** The host's moving parts between start and close: settings, the current generation, reloads. */
class HostRuntime {
  readonly state: HostState;
  readonly invoker: Invoker;
  port = 0;
  #settings: Record<string, string> = {};
  setting = settingLookup({});
  #generation: Generation | undefined;
  #reloading: Promise<void> = Promise.resolve();
  #watcher: { close(): void } | undefined;

  constructor(
    readonly parts: HostParts,
    newId: () => string,
  ) {
    this.state = new HostState(parts.clock);
    this.invoker = new Invoker({
      target: () => {
        if (!this.#generation) throw new Error('Function host is not running.');
        return this.#generation;
      },
      logger: parts.logger,
      clock: parts.clock,
      setting: (name) => this.setting(name),
      newId,
      telemetry: parts.telemetry,
    });
  }

  set settings(settings: Record<string, string>) {
    this.#settings = settings;
    this.setting = settingLookup(settings);
  }

  get settings(): Record<string, string> {
    return this.#settings;
  }

  get functions(): FunctionInfo[] {
    return this.#generation?.functions ?? [];
  }

  get functionErrors(): FunctionErrors {
    return this.#generation?.errors ?? NO_ERRORS;
  }

  get streaming(): boolean {
    return this.#generation?.streaming ?? false;
  }

  webhook(name: string) {
    return this.#generation?.extensions.webhook(name);
  }

  extensionAdmin(name: string) {
    return this.#generation?.extensions.admin(name);
  }

  #log(entry: LogEntry): void {
    this.parts.logger.log(entry);
  }

  invoke = async (name: string, invocation: TriggerInvocation): Promise<InvocationResult> => {
    const fn = this.functions.find((f) => f.name.toLowerCase() === name.toLowerCase());
    if (!fn) throw new Error(`Function code for '${name}' is not loaded and cannot be invoked.`);
    return this.invoker.invoke(fn, invocation);
  };

  async start(): Promise<void> {
    const { parts } = this;
    const triggerHost: TriggerHost = {
      invoke: this.invoke,
      setting: (name) => this.setting(name),
      clock: parts.clock,
      log: (entry) => this.#log(entry),
      telemetry: parts.telemetry,
    };
    try {
      await startGeneration({
        appDir: parts.appDir,
        settings: this.#settings,
        workers: workerSettings(this.setting),
        registry: parts.registry,
        extensions: parts.extensions,
        services: parts.services,
        triggerHost,
        clock: parts.clock,
        isDisabled: (name) => /^(true|1)$/i.test(this.setting(`AzureWebJobs.${name}.Disabled`) ?? ''),
        port: this.port,
        routePrefix: parts.config.http.routePrefix,
        log: (entry) => this.#log(entry),
        onWorkerLog: (log) => this.invoker.onWorkerLog(log),
        whenIdle: () => this.invoker.whenIdle(),
        onWorkersGaveUp: (error) => this.state.set('failed', error),
        onIndexed: (indexed) => (this.#generation = indexed),
      });
    } catch (error) {
      this.#generation = undefined;
      throw error;
    }
    this.#log({
      level: 'information',
      category: 'Host.Startup',
      message: `[${new Date(parts.clock.now()).toISOString()}] Worker process started and initialized.`,
    });
    this.state.set('running');
  }

  reload(): Promise<void> {
    // A failed reload must not block the next one: chain on the settled previous attempt.
    this.#reloading = this.#reloading
      .catch(() => undefined)
      .then(async () => {
        if (this.state.kind === 'stopped') return;
        this.state.set('starting');
        this.#log({ level: 'information', category: 'Host.General', message: 'Host restarting: the app changed.' });
        await this.#generation?.stop();
        this.#generation = undefined;
        try {
          await this.start();
        } catch (error) {
          this.state.set('failed', error as Error);
          this.#log({
            level: 'error',
            category: 'Host.General',
            message: `Host restart failed: ${(error as Error).message}`,
          });
          throw error;
        }
      });
    return this.#reloading;
  }

  watch(): void {
    this.#watcher = watchAppCode(this.parts.appDir, this.parts.main, this.parts.clock, () => {
      this.reload().catch(() => undefined); // reported through the logger; the host answers 503 until fixed
    });
  }

  handle(url: string, server: Server, masterKey: string): FunctionsHost {
    return {
      url,
      port: this.port,
      server,
      config: this.parts.config,
      settings: this.#settings,
      masterKey,
      telemetry: this.parts.telemetry,
      functions: () => this.functions,
      workerPids: () => this.#generation?.workers.pids ?? [],
      isRunning: () => this.state.kind === 'running',
      invoke: this.invoke,
      reload: () => this.reload(),
      close: async () => {
        if (this.state.kind === 'stopped') return;
        this.#watcher?.close();
        await this.#reloading.catch(() => undefined);
        this.state.set('stopped');
        const closed = closeServer(server);
        await this.#generation?.stop();
        server.closeAllConnections();
        await closed;
        if (this.parts.ownsTelemetry) await this.parts.telemetry.shutdown();
      },
    };
  }
}
