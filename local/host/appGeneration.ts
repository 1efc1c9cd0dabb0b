import type { RpcLog } from '../rpc/types.js';
import type { TriggerHost, TriggerListener } from './extensions/bindingAdapter.js';
import type { BindingRegistry } from './extensions/registry.js';
import { indexFunctions, type FunctionInfo } from './functionIndex.js';
import { formatFunctionList } from './functionList.js';
import { HOST_VERSION } from './hostVersion.js';
import type { LogEntry } from './logger.js';
import { WorkerPool } from './workers/workerPool.js';
import type { WorkerSettings } from './workers/workerSettings.js';

export type GenerationDeps = {
  appDir: string;
  /** The worker's environment. */
  settings: Readonly<Record<string, string>>;
  workers: WorkerSettings;
  adapters: BindingRegistry;
  triggerHost: TriggerHost;
  isDisabled(name: string): boolean;
  port: number;
  routePrefix: string;
  log(entry: LogEntry): void;
  onWorkerLog(log: RpcLog): void;
  /** In-flight invocations have finished. */
  whenIdle(): Promise<void>;
  onWorkersGaveUp(error: Error): void;
};

/** One load of the app: its workers, the functions they reported, and the trigger listeners started for them. */
export type Generation = {
  readonly functions: FunctionInfo[];
  readonly workers: WorkerPool;
  /** Closes the listeners, lets in-flight invocations finish, then terminates the workers (appTerminate runs). */
  stop(): Promise<void>;
};

function checkTriggers(functions: FunctionInfo[], adapters: BindingRegistry): void {
  for (const fn of functions) {
    if (!fn.disabled && !adapters.get(fn.trigger.type)) {
      throw new Error(
        `Function '${fn.name}' uses the trigger type '${fn.trigger.type}', which the local host does not support ` +
          `(supported: ${adapters.types().join(', ')}).`,
      );
    }
  }
}

/** Starts the workers, indexes what they registered, and starts a listener per non-HTTP trigger. */
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
    if (started.capabilities.HttpUri) {
      throw new Error(
        'The app calls app.setup({ enableHttpStream: true }); HTTP streaming is not supported by the local host. Remove it to run locally.',
      );
    }
    const indexed = indexFunctions(started.functions, deps.isDisabled);
    for (const { name, message } of indexed.errors) {
      deps.log({ level: 'error', category: 'Host.General', message: `The '${name}' function is in error: ${message}` });
    }
    checkTriggers(indexed.functions, deps.adapters);
    for (const fn of indexed.functions) {
      const adapter = fn.disabled ? undefined : deps.adapters.get(fn.trigger.type);
      if (adapter?.startTrigger) listeners.push(await adapter.startTrigger(fn, deps.triggerHost));
    }
    deps.log({
      level: 'information',
      category: 'Host.Startup',
      message: formatFunctionList(indexed.functions, deps.port, deps.routePrefix),
    });
    return { functions: indexed.functions, workers, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
