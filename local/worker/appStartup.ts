import type { AppPackage } from '../shared/appPackage.js';
import { loadAppEntryPoints } from './appLoader.js';
import type { CoreRegistry } from './core/coreModule.js';

// The worker's default capabilities; the programming model may add to them.
const WORKER_CAPABILITIES: Record<string, string> = {
  RawHttpBodyBytes: 'true',
  RpcHttpTriggerMetadataRemoved: 'true',
  RpcHttpBodyOnly: 'true',
  IgnoreEmptyValuedRpcHttpHeaders: 'true',
  UseNullableValueDictionaryForHttp: 'true',
  WorkerStatus: 'true',
  TypedDataCollection: 'true',
  HandlesWorkerTerminateMessage: 'true',
};

const TEST_MODE_WARNING = /"@azure\/functions" package (is in|to) test mode/;

export type AppHookData = { appHookData: Record<string, unknown>; appLevelOnly: Record<string, unknown> };

/** Runs the app's `appStart` (or `appTerminate`) hooks in registration order. */
export async function runAppHooks(
  registry: CoreRegistry,
  name: 'appStart' | 'appTerminate',
  data: AppHookData,
  appDir: string,
): Promise<void> {
  for (const hook of registry.hooks.get(name) ?? []) {
    await hook({ hookData: data.appLevelOnly, appHookData: data.appHookData, functionAppDirectory: appDir });
  }
}

/**
 * One app start as the worker does it: load entry points, run appStart hooks, ask the programming model for its
 * capabilities (which locks `app.setup`), then lock registration; returns the capabilities. Fails loudly where
 * the worker would stay quiet: zero functions registered, or the library in "test mode".
 */
export async function startApp(options: {
  appDir: string;
  pkg: AppPackage;
  registry: CoreRegistry;
  hookData: AppHookData;
}): Promise<Record<string, string>> {
  const { registry, pkg } = options;
  registry.reset();
  let testMode = false;
  const originalWarn = console.warn;
  console.warn = (...args: unknown[]) => {
    if (TEST_MODE_WARNING.test(String(args[0]))) testMode = true;
    originalWarn.apply(console, args);
  };
  let files: string[];
  try {
    files = await loadAppEntryPoints(options);
  } finally {
    console.warn = originalWarn;
  }
  await runAppHooks(registry, 'appStart', options.hookData, options.appDir);
  const capabilities =
    (await registry.programmingModel?.getCapabilities?.({ ...WORKER_CAPABILITIES })) ?? WORKER_CAPABILITIES;
  registry.lockIndexing();
  if (registry.functions.size > 0) return capabilities;
  if (testMode) {
    throw new Error(
      'No functions were registered: "@azure/functions" is in test mode. It looked for the "@azure/functions-core" module ' +
        'before the local host provided it (it caches that lookup for the life of the process), so every app.* ' +
        'registration was skipped. Make sure nothing imports "@azure/functions" before the worker installs the core module.',
    );
  }
  if (!pkg.main) {
    throw new Error('No functions were registered: package.json has no "main" naming the compiled function files.');
  }
  throw new Error(
    `No functions were registered by the ${files.length} file(s) matching package.json main "${pkg.main}". ` +
      'Check that main points at the compiled function files (build first) and that they call app.http(), ' +
      'app.serviceBusTopic(), ... when loaded.',
  );
}
