import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../shared/clock.js';
import type { Telemetry } from '../../telemetry/index.js';
import type { FunctionError, FunctionInfo } from '../core/functionIndex.js';
import type { LogEntry } from '../core/logger.js';
import type { BindingAdapter } from './shared/bindingAdapter.js';
import type { AdminEndpoint } from '../http/admin.js';
import type { ExtensionContext, ExtensionInstance, RegisteredExtension } from './shared/extension.js';
import type { ExtensionRegistry } from './registry.js';

/**
 * Starts the local services extensions ask for (the stack's broker, SignalR service, Azurite), by name. Called for
 * every load of the app once it is indexed and before any trigger listener starts — with no names too — and given
 * the enabled functions, so whoever runs the host can start only what they use, say why, and have it ready
 * before the host serves.
 */
export type LocalServices = {
  start(names: readonly string[], functions: readonly FunctionInfo[]): Promise<ReadonlyMap<string, unknown>>;
};

type Start = (context: Omit<ExtensionContext<unknown>, 'options'>) => ExtensionInstance | Promise<ExtensionInstance>;

/** Each extension with its host.json section already parsed, ready to start. */
export type ConfiguredExtensions = ReadonlyMap<RegisteredExtension, Start>;

/**
 * Parses every extension's `host.json` section up front, so a bad setting stops start-up before any worker runs.
 * A section no extension owns is ignored with a warning, as the host ignores settings of extensions it lacks.
 */
export function configureExtensions(
  registry: ExtensionRegistry,
  sections: ReadonlyMap<string, Record<string, unknown>>,
  log: (entry: LogEntry) => void,
): ConfiguredExtensions {
  const configured = new Map<RegisteredExtension, Start>();
  for (const extension of registry.all) {
    const section = sections.get(extension.name.toLowerCase()) ?? {};
    configured.set(extension, extension.configure(section, `extensions.${extension.name}`));
  }
  const owned = new Set(registry.all.map((e) => e.name.toLowerCase()));
  for (const name of sections.keys()) {
    if (owned.has(name)) continue;
    log({
      level: 'warning',
      category: 'Host.General',
      message: `host.json 'extensions.${name}' is for bindings the local host does not run; it is ignored.`,
    });
  }
  return configured;
}

/** Why `fn` cannot run here: a binding type no extension handles (it is in error, as in Azure). */
function unsupportedBinding(fn: FunctionInfo, registry: ExtensionRegistry): string | undefined {
  const binding = fn.bindings.find((b) => !registry.forType(b.type));
  if (!binding) return undefined;
  return (
    `Function '${fn.name}' uses the binding type '${binding.type}' (binding '${binding.name}'), which the local ` +
    `host does not support (supported: ${registry.types().join(', ')}). Run it against the real service with ` +
    `Core Tools (func start), or switch it off locally with the app setting 'AzureWebJobs.${fn.name}.Disabled' = true.`
  );
}

/**
 * The functions that can run (disabled ones included, which need no extension), and the enabled ones that use a
 * binding type no extension handles, which are in error: the rest of the app still starts.
 */
export function partitionBySupport(
  functions: readonly FunctionInfo[],
  registry: ExtensionRegistry,
): { functions: FunctionInfo[]; errors: FunctionError[] } {
  const supported: FunctionInfo[] = [];
  const errors: FunctionError[] = [];
  for (const fn of functions) {
    const message = fn.disabled ? undefined : unsupportedBinding(fn, registry);
    if (message === undefined) supported.push(fn);
    else errors.push({ name: fn.name, message, function: fn });
  }
  return { functions: supported, errors };
}

/**
 * The extensions the enabled functions use, and those started for every app; `functions` passed
 * `partitionBySupport`, so each type has one.
 */
function extensionsUsed(functions: readonly FunctionInfo[], registry: ExtensionRegistry): Set<RegisteredExtension> {
  const used = new Set<RegisteredExtension>(registry.all.filter((e) => e.startAlways));
  for (const fn of functions) {
    if (fn.disabled) continue;
    for (const binding of fn.bindings) {
      const extension = registry.forType(binding.type);
      if (extension) used.add(extension);
    }
  }
  return used;
}

export type StartedExtensions = {
  adapter(type: string): BindingAdapter | undefined;
  /** The handler of `/runtime/webhooks/<name>`, if that extension runs and has one. */
  webhook(name: string): ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
  /** The endpoint of `/admin/<name>`, if that extension runs and has one. */
  admin(name: string): AdminEndpoint | undefined;
};

/** Starts the extensions the app's functions use (see `partitionBySupport`), after the local services they need. */
export async function startExtensions(
  functions: readonly FunctionInfo[],
  registry: ExtensionRegistry,
  configured: ConfiguredExtensions,
  deps: {
    services?: LocalServices;
    setting(name: string): string | undefined;
    log(e: LogEntry): void;
    clock: Clock;
    telemetry: Telemetry;
  },
): Promise<StartedExtensions> {
  const used = extensionsUsed(functions, registry);
  const names = [...new Set([...used].flatMap((e) => e.services))];
  if (names.length > 0 && !deps.services) {
    throw new Error(
      `The app's bindings need the local service(s) ${names.join(', ')}; run it with the local stack (npm start), ` +
        'or pass `services` to startFunctionsHost.',
    );
  }
  const enabled = functions.filter((fn) => !fn.disabled);
  const services = deps.services ? await deps.services.start(names, enabled) : new Map<string, unknown>();
  const adapters = new Map<string, BindingAdapter>();
  const webhooks = new Map<string, (req: IncomingMessage, res: ServerResponse) => Promise<void>>();
  const admins = new Map<string, AdminEndpoint>();
  for (const extension of used) {
    const instance = await configured.get(extension)!({
      service: <T>(name: string): T => {
        if (!services.has(name)) throw new Error(`The '${extension.name}' extension needs the '${name}' service.`);
        return services.get(name) as T;
      },
      setting: deps.setting,
      log: deps.log,
      clock: deps.clock,
      telemetry: deps.telemetry,
    });
    for (const adapter of instance.bindings) adapters.set(adapter.type.toLowerCase(), adapter);
    if (instance.webhook) webhooks.set(extension.name.toLowerCase(), instance.webhook);
    if (instance.admin) admins.set(extension.name.toLowerCase(), instance.admin);
  }
  return {
    adapter: (type) => adapters.get(type.toLowerCase()),
    webhook: (name) => webhooks.get(name.toLowerCase()),
    admin: (name) => admins.get(name.toLowerCase()),
  };
}

/** Services that are already running (a test's broker, say), handed to the extensions that ask for them. */
export function runningServices(services: Record<string, unknown>): LocalServices {
  const byName = new Map(Object.entries(services));
  return { start: async () => byName };
}
