import { randomBytes, randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { systemClock, type Clock } from '../shared/clock.js';
import { appCodeRoot, readAppPackage } from './appLoader.js';
import { applyToProcessEnv, readLocalSettings, resolveAppSettings, settingLookup } from './appSettings.js';
import { runAppHooks, startApp, type AppHookData } from './appStartup.js';
import { watchAppCode } from './appWatcher.js';
import type { BindingAdapter, TriggerHost, TriggerListener } from './bindings/adapter.js';
import { createBindingRegistry, type BindingRegistry } from './bindings/registry.js';
import { installCoreModule, type CoreRegistry } from './core/coreModule.js';
import type { RpcLogLevel } from './core/types.js';
import { indexFunctions, type FunctionInfo } from './functionIndex.js';
import { formatFunctionList } from './functionList.js';
import { readHostJson, type HostConfig } from './hostJson.js';
import { validateCorsPolicy } from './http/cors.js';
import { bodyLimitFrom } from './http/readBody.js';
import { createRequestPipeline, type HttpMiddleware } from './http/requestPipeline.js';
import { createHostServer, DEFAULT_HTTP_TIMEOUTS, type HttpTimeouts } from './http/hostServer.js';
import { RequestQueue } from './http/requestQueue.js';
import { Invoker, type InvocationResult, type TriggerInvocation } from './invoker.js';
import { createConsoleLogger, type HostLogger, type LogEntry } from './logger.js';

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
  /** Adapters for more binding types (httpTrigger and http are built in). */
  bindings?: BindingAdapter[];
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
};

/** Where the host is: `failed` after a (re)load that failed, when every request gets 503. */
export type HostState = 'starting' | 'running' | 'failed' | 'stopped';

export interface FunctionsHost {
  /** Base URL to reach the host from this machine, e.g. `http://127.0.0.1:7071`. */
  readonly url: string;
  readonly port: number;
  readonly server: Server;
  readonly config: HostConfig;
  /** The app settings in effect (also applied to process.env). */
  readonly settings: Readonly<Record<string, string>>;
  /** The key `/admin/*` requires in `x-functions-key` (or `?code=`). */
  readonly masterKey: string;
  readonly state: HostState;
  /** The indexed functions, sorted by name (invalid ones left out). */
  functions(): FunctionInfo[];
  /** Runs one invocation of a function by name (what trigger adapters call). */
  invoke(functionName: string, invocation: TriggerInvocation): Promise<InvocationResult>;
  /** Restart the app as the host does on a file change: drain, appTerminate, reset, re-import, restart triggers. */
  reload(): Promise<void>;
  /** Stops triggers and the server after in-flight invocations, runs appTerminate hooks, restores process.env. */
  close(): Promise<void>;
}

// The host holds requests up to 30 s while it (re)starts, then answers 503.
const HOST_START_WAIT_MS = 30_000;

let activeHost: FunctionsHost | undefined;

type State = { kind: 'starting' | 'running' | 'stopped' } | { kind: 'failed'; error: Error };

function listen(server: Server, port: number, hostname: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      reject(
        error.code === 'EADDRINUSE'
          ? new Error(
              `Port ${port} is unavailable. Close the process using that port, or specify another port using --port [-p].`,
            )
          : error,
      );
    };
    server.once('error', onError);
    server.listen(port, hostname, () => {
      server.off('error', onError);
      resolvePromise();
    });
  });
}

const closeServer = (server: Server): Promise<void> =>
  new Promise((resolvePromise) => {
    server.close(() => resolvePromise());
    server.closeIdleConnections();
  });

/**
 * Starts a local Functions host for the app in `options.appDir`: provides `@azure/functions-core`, loads the app,
 * serves its HTTP functions and starts its other triggers through the binding adapters. One host per process.
 */
export async function startFunctionsHost(options: FunctionsHostOptions): Promise<FunctionsHost> {
  if (activeHost)
    throw new Error(`A Functions host is already running in this process (${activeHost.url}); close it first.`);
  const appDir = resolve(options.appDir);
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createConsoleLogger({ clock });
  const log = (entry: LogEntry): void => logger.log(entry);
  const registry: CoreRegistry = installCoreModule();
  const config = readHostJson(appDir);
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
  const cors = { origins: local.corsOrigins, credentials: local.corsCredentials };
  validateCorsPolicy(cors);
  const env = options.env ?? process.env;
  const bodyLimit = bodyLimitFrom(
    env.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT ?? local.values.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT,
  );
  const adapters: BindingRegistry = createBindingRegistry(options.bindings ?? []);
  const { pkg, warning } = readAppPackage(appDir);
  if (warning) log({ level: 'warning', category: 'Worker', message: warning });
  const codeRoot = appCodeRoot(appDir, pkg.main);

  let state: State = { kind: 'starting' };
  let waiters: (() => void)[] = [];
  let functions: FunctionInfo[] = [];
  let listeners: TriggerListener[] = [];
  let hookData: AppHookData = { appHookData: {}, appLevelOnly: {} };
  let settings: Record<string, string> = {};
  let setting = settingLookup(settings);
  let port = 0;

  const setState = (next: State): void => {
    state = next;
    if (next.kind !== 'starting') for (const wake of waiters.splice(0)) wake();
  };
  const whenRunning = (): Promise<void> =>
    new Promise((resolvePromise, reject) => {
      const check = (): boolean => {
        if (state.kind === 'running') resolvePromise();
        else if (state.kind === 'failed') {
          reject(new Error(`the app failed to load (${state.error.message}); fix it and the host reloads.`));
        } else if (state.kind === 'stopped') reject(new Error('it has stopped.'));
        else return false;
        return true;
      };
      if (check()) return;
      const timer = clock.setTimeout(() => {
        waiters = waiters.filter((w) => w !== wake);
        reject(new Error(`it did not start within ${HOST_START_WAIT_MS / 1000} s.`));
      }, HOST_START_WAIT_MS);
      const wake = (): void => {
        clock.clearTimeout(timer);
        check();
      };
      waiters.push(wake);
    });

  const invoker = new Invoker({
    registry,
    adapters,
    logger,
    clock,
    setting: (name) => setting(name),
    newId: options.newId ?? randomUUID,
    appHookData: () => hookData.appHookData,
  });

  const findFunction = (name: string): FunctionInfo => {
    const fn = functions.find((f) => f.name.toLowerCase() === name.toLowerCase());
    if (!fn) throw new Error(`Function code for '${name}' is not loaded and cannot be invoked.`);
    return fn;
  };
  const invoke = async (name: string, invocation: TriggerInvocation): Promise<InvocationResult> =>
    invoker.invoke(findFunction(name), invocation);

  const triggerHost: TriggerHost = {
    invoke,
    setting: (name) => setting(name),
    config,
    clock,
    log,
  };

  registry.onSystemLog((level: RpcLogLevel, _category, message) => {
    if (level === 'none') return;
    log({ level: level === 'trace' || level === 'debug' ? 'information' : level, category: 'Worker', message });
  });

  const masterKey = options.masterKey ?? randomBytes(32).toString('base64url');
  const server = createHostServer(
    { ...DEFAULT_HTTP_TIMEOUTS, ...options.timeouts },
    createRequestPipeline({
      functions: () => functions,
      routePrefix: () => config.routePrefix,
      baseUrl: () => `http://localhost:${port}`,
      whenRunning,
      invoke: (fn, invocation) => invoker.invoke(fn, invocation),
      cors,
      middleware: options.middleware ?? [],
      homepageDisabled: () => /^(true|1)$/i.test(setting('AzureWebJobsDisableHomepage') ?? ''),
      bodyLimit,
      requestQueue: new RequestQueue(config.http),
      logger,
      allowedHosts: options.allowedHosts ?? [],
      masterKey,
    }),
  );

  async function loadGeneration(): Promise<void> {
    hookData = { appHookData: {}, appLevelOnly: {} };
    await startApp({ appDir, pkg, registry, codeRoot, hookData });
    const disabled = (name: string): boolean => /^(true|1)$/i.test(setting(`AzureWebJobs.${name}.Disabled`) ?? '');
    const indexed = indexFunctions(registry.functions.values(), disabled);
    for (const { name, message } of indexed.errors) {
      log({ level: 'error', category: 'Host.General', message: `The '${name}' function is in error: ${message}` });
    }
    for (const fn of indexed.functions) {
      if (!fn.disabled && !adapters.get(fn.trigger.type)) {
        throw new Error(
          `Function '${fn.name}' uses the trigger type '${fn.trigger.type}', which the local host does not support ` +
            `(supported: ${adapters.types().join(', ')}).`,
        );
      }
    }
    functions = indexed.functions;
    for (const fn of functions) {
      const start = fn.disabled ? undefined : adapters.get(fn.trigger.type)?.startTrigger;
      if (start) listeners.push(await start.call(adapters.get(fn.trigger.type), fn, triggerHost));
    }
    log({
      level: 'information',
      category: 'Host.Startup',
      message: formatFunctionList(functions, port, config.routePrefix),
    });
  }

  async function stopGeneration(): Promise<void> {
    const closing = listeners;
    listeners = [];
    await Promise.all(closing.map((l) => l.close()));
    await invoker.whenIdle();
    await runAppHooks(registry, 'appTerminate', hookData, appDir);
  }

  let reloading: Promise<void> = Promise.resolve();
  const reload = (): Promise<void> => {
    // A failed reload must not block the next one: chain on the settled previous attempt.
    reloading = reloading
      .catch(() => undefined)
      .then(async () => {
        if (state.kind === 'stopped') return;
        setState({ kind: 'starting' });
        log({ level: 'information', category: 'Host.General', message: 'Host restarting: the app changed.' });
        await stopGeneration();
        try {
          await loadGeneration();
          setState({ kind: 'running' });
        } catch (error) {
          setState({ kind: 'failed', error: error as Error });
          log({
            level: 'error',
            category: 'Host.General',
            message: `Host restart failed: ${(error as Error).message}`,
          });
          throw error;
        }
      });
    return reloading;
  };

  let restoreEnv = (): void => undefined;
  let watcher: { close(): void } | undefined;
  const hostname = options.hostname ?? local.localHttpAddress ?? '127.0.0.1';
  try {
    await listen(server, options.port ?? local.localHttpPort ?? 7071, hostname);
    port = (server.address() as AddressInfo).port;
    settings = resolveAppSettings({ env, local, overrides: options.settingsOverrides ?? {}, appDir, port, log });
    if (options.rewriteSettings) settings = { ...settings, ...options.rewriteSettings(settings) };
    setting = settingLookup(settings);
    restoreEnv = applyToProcessEnv(settings);
    log({
      level: 'information',
      category: 'Host.Startup',
      message: `[${new Date(clock.now()).toISOString()}] Worker process started and initialized.`,
    });
    await loadGeneration();
    setState({ kind: 'running' });
  } catch (error) {
    setState({ kind: 'stopped' });
    await Promise.all(listeners.map((l) => l.close()));
    await closeServer(server);
    restoreEnv();
    registry.onSystemLog(undefined);
    throw error;
  }
  if (options.watch) {
    watcher = watchAppCode(codeRoot, clock, () => {
      reload().catch(() => undefined); // reported through the logger; the host answers 503 until fixed
    });
  }

  const urlHost =
    hostname === '0.0.0.0' || hostname === '::' ? '127.0.0.1' : hostname.includes(':') ? `[${hostname}]` : hostname;
  const host: FunctionsHost = {
    url: `http://${urlHost}:${port}`,
    port,
    server,
    config,
    get settings() {
      return settings;
    },
    masterKey,
    get state() {
      return state.kind;
    },
    functions: () => functions,
    invoke,
    reload,
    async close() {
      if (state.kind === 'stopped') return;
      watcher?.close();
      await reloading.catch(() => undefined);
      setState({ kind: 'stopped' });
      const closed = closeServer(server);
      await stopGeneration();
      server.closeAllConnections();
      await closed;
      restoreEnv();
      registry.onSystemLog(undefined);
      activeHost = undefined;
    },
  };
  activeHost = host;
  return host;
}
