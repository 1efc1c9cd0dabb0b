import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { builtInExtensions, ExtensionRegistry, type BindingInfo, type FunctionInfo } from '../../host/index.js';
import { localSignalR } from '../../signalr/index.js';
import { namesAzurite } from '../../shared/azuriteSettings.js';
import { localServiceBus } from './emulatorSettings.js';

/** The services the stack can start besides the Functions host, by the names extensions ask for them. */
export type StackServiceName = 'storage' | 'serviceBus' | 'signalR';

/** Why each needed service is needed, in words for the banner and the log. */
export type ServiceNeeds = Map<StackServiceName, string>;

/** The official Service Bus emulator's Config.json, in the app folder. */
export const TOPOLOGY_FILE = 'servicebus.config.json';

export const SERVICE_LABELS: Record<StackServiceName, string> = {
  storage: 'Azurite',
  serviceBus: 'the Service Bus broker',
  signalR: 'the SignalR service',
};

/** What a handle of a service that was not started says when it is asked for. */
export const NOT_NEEDED: Record<StackServiceName, string> = {
  storage: 'no app setting names Azurite (UseDevelopmentStorage=true) and no function has a storage binding',
  serviceBus: `no function has a Service Bus binding and the app has no ${TOPOLOGY_FILE}`,
  signalR: 'no function has a SignalR binding on a local SignalR connection string',
};

function names(list: readonly string[]): string {
  return list.length <= 4 ? list.join(', ') : `${list.slice(0, 4).join(', ')} and ${list.length - 4} more`;
}

/**
 * What the settings and files alone show, before the app is loaded: Azurite for settings that name it (the app's
 * own code may use them, as this app's order table does), the broker when the app declares its entities. With
 * `connections` (a real `func start` will run the app, so no index comes), also the emulator connection strings.
 */
export function needsOfSettings(
  appDir: string,
  settings: Readonly<Record<string, string>>,
  connections: boolean,
): ServiceNeeds {
  const needs: ServiceNeeds = new Map();
  const entries = Object.entries(settings);
  const storage = entries.filter(([, v]) => namesAzurite(v)).map(([k]) => k);
  if (storage.length > 0) needs.set('storage', `the setting(s) ${names(storage)} name Azurite`);
  if (existsSync(join(appDir, TOPOLOGY_FILE))) needs.set('serviceBus', `${TOPOLOGY_FILE} declares its entities`);
  if (!connections) return needs;
  const serviceBus = entries.filter(([, v]) => localServiceBus(v)).map(([k]) => k);
  if (serviceBus.length > 0 && !needs.has('serviceBus')) {
    needs.set('serviceBus', `the setting(s) ${names(serviceBus)} name the Service Bus emulator`);
  }
  const signalR = entries.filter(([, v]) => localSignalR(v)).map(([k]) => k);
  if (signalR.length > 0) needs.set('signalR', `the setting(s) ${names(signalR)} name a local SignalR endpoint`);
  return needs;
}

const registry = new ExtensionRegistry(builtInExtensions);

function isStackService(name: string): name is StackServiceName {
  return name in SERVICE_LABELS;
}

/** A SignalR binding on a real Azure SignalR resource needs no local service. */
function onLocalSignalR(binding: BindingInfo, setting: (name: string) => string | undefined): boolean {
  const name =
    typeof binding.connectionStringSetting === 'string' && binding.connectionStringSetting !== ''
      ? binding.connectionStringSetting
      : 'AzureSignalRConnectionString';
  return localSignalR(setting(name) ?? '') !== undefined;
}

/** What the indexed functions' bindings need, as their extensions declare it, naming the functions. */
export function needsOfFunctions(
  functions: readonly FunctionInfo[],
  setting: (name: string) => string | undefined,
): ServiceNeeds {
  const users = new Map<StackServiceName, Map<string, Set<string>>>();
  for (const fn of functions) {
    if (fn.disabled) continue;
    for (const binding of fn.bindings) {
      for (const service of registry.forType(binding.type)?.services ?? []) {
        if (!isStackService(service)) continue;
        if (service === 'signalR' && !onLocalSignalR(binding, setting)) continue;
        const byFunction = users.get(service) ?? new Map<string, Set<string>>();
        users.set(service, byFunction.set(fn.name, (byFunction.get(fn.name) ?? new Set()).add(binding.type)));
      }
    }
  }
  const described = (byFunction: Map<string, Set<string>>) =>
    names([...byFunction].map(([fn, types]) => `${fn} (${[...types].join(', ')})`));
  return new Map([...users].map(([service, byFunction]) => [service, `used by ${described(byFunction)}`]));
}
