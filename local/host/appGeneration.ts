import type { RpcLog } from '../rpc/types.js';
import type { Clock } from '../shared/clock.js';
import type { TriggerHost, TriggerListener } from './extensions/shared/bindingAdapter.js';
import type { ExtensionRegistry } from './extensions/registry.js';
import {
  partitionBySupport,
  startExtensions,
  type ConfiguredExtensions,
  type LocalServices,
  type StartedExtensions,
} from './extensions/startExtensions.js';
import { indexFunctions, type FunctionError, type FunctionInfo } from './core/functionIndex.js';
import { FunctionErrors } from './core/functionErrors.js';
import { formatFunctionList } from './functionList.js';
import { HOST_VERSION } from './core/hostVersion.js';
import type { LogEntry } from './core/logger.js';
import { WorkerPool } from './workers/workerPool.js';
import type { WorkerSettings } from './workers/workerSettings.js';

export type GenerationDeps = {
  appDir: string;
  /** The worker's environment. */
  settings: Readonly<Record<string, string>>;
  workers: WorkerSettings;
  registry: ExtensionRegistry;
  extensions: ConfiguredExtensions;
  services: LocalServices | undefined;
  triggerHost: TriggerHost;
  clock: Clock;
  isDisabled(name: string): boolean;
  port: number;
  routePrefix: string;
  log(entry: LogEntry): void;
  onWorkerLog(log: RpcLog): void;
  /** In-flight invocations have finished. */
  whenIdle(): Promise<void>;
  onWorkersGaveUp(error: Error): void;
  /** The functions, workers and extensions are ready: called before any trigger listener starts. */
  onIndexed(generation: Generation): void;
};

/** One load of the app: its workers, the functions they reported, and the trigger listeners started for them. */
export type Generation = {
  /** The functions that run: routing, triggers and admin invocations use these. */
  readonly functions: FunctionInfo[];
  /** The functions in error and why (the admin API lists and reports them). */
  readonly errors: FunctionErrors;
  readonly workers: WorkerPool;
  readonly extensions: StartedExtensions;
  /** The app streams HTTP (`enableHttpStream`): its workers serve each request themselves. */
  readonly streaming: boolean;
  /** Closes the listeners, lets in-flight invocations finish, then terminates the workers (appTerminate runs). */
  stop(): Promise<void>;
};

/** Starts the workers, indexes what they registered, starts the extensions it uses and a listener per trigger. */
export async function startGeneration(deps: GenerationDeps): Promise<Generation> {
  const workers = new WorkerPool({
    appDir: deps.appDir,
    env: { ...deps.settings },
    execArgv: deps.workers.execArgv,
    count: deps.workers.count,
    hostVersion: HOST_VERSION,
    log: deps.log,
    onLog: deps.onWorkerLog,
    onGaveUp: deps.onWorkersGaveUp,
  });
  const listeners: TriggerListener[] = [];
  const stop = async (): Promise<void> => {
    await Promise.all(listeners.splice(0).map((l) => l.close()));
    await deps.whenIdle();
    await workers.close();
  };
  try {
    const started = await workers.start();
    const indexed = indexFunctions(started.functions, deps.isDisabled);
    const { functions, errors: unsupported } = partitionBySupport(indexed.functions, deps.registry);
    const errors = new FunctionErrors();
    for (const error of [...indexed.errors, ...unsupported]) putInError(deps, errors, error);
    const extensions = await startExtensions(functions, deps.registry, deps.extensions, {
      services: deps.services,
      setting: deps.triggerHost.setting,
      log: deps.log,
      clock: deps.clock,
      telemetry: deps.triggerHost.telemetry,
    });
    const streaming = started.capabilities.HttpUri !== undefined;
    const generation = { functions, errors, workers, extensions, streaming, stop };
    // Invocations can be routed from here on: a listener may fire before the others have started.
    deps.onIndexed(generation);
    await startListeners(generation, deps, listeners);
    deps.log({
      level: 'information',
      category: 'Host.Startup',
      message: formatFunctionList(functions, deps.port, deps.routePrefix),
    });
    return generation;
  } catch (error) {
    await stop();
    throw error;
  }
}

function putInError(deps: Pick<GenerationDeps, 'log'>, errors: FunctionErrors, error: FunctionError): void {
  errors.add(error);
  deps.log({
    level: 'error',
    category: 'Host.General',
    message: `The '${error.name}' function is in error: ${error.message}`,
  });
}

/**
 * A listener per enabled non-HTTP trigger. A trigger its extension refuses (a setting the local host does not
 * serve, a schedule or time zone it cannot read) puts that function in error, as Azure's partial host start-up
 * does: it moves from `functions`, which the host reads on every request, to `errors`, and the rest of the app
 * runs. Each listener joins `listeners` as it starts, so a stop meanwhile closes it.
 */
async function startListeners(
  { functions, extensions, errors }: Generation,
  deps: Pick<GenerationDeps, 'log' | 'triggerHost'>,
  listeners: TriggerListener[],
): Promise<void> {
  for (const fn of [...functions]) {
    const adapter = fn.disabled ? undefined : extensions.adapter(fn.trigger.type);
    if (!adapter?.startTrigger) continue;
    try {
      listeners.push(await adapter.startTrigger(fn, deps.triggerHost));
    } catch (error) {
      putInError(deps, errors, { name: fn.name, message: (error as Error).message, function: fn });
      functions.splice(functions.indexOf(fn), 1);
    }
  }
}
