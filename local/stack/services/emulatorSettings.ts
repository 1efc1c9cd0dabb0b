import { parseServiceBusConnectionString } from '../../servicebus/connectionString.js';
import { isDevelopmentStorage } from '../../shared/azuriteSettings.js';
import { isPublicKey } from '../../shared/installSecrets.js';
import { localSignalR } from '../../signalr/index.js';

/**
 * Connection strings in the forms of Azure's own emulators name fixed ports (`UseDevelopmentStorage=true` means
 * Azurite on 10002; the SignalR emulator form names its Port; the Service Bus one 5672 unless its Endpoint names
 * another). When the stack runs those parts elsewhere (port 0 in tests, another --signalr-port), it points the
 * settings at where they really are, and gives every local SignalR connection string the key the service really
 * signs with, and every local Service Bus one a key the broker accepts in place of a public placeholder. Any
 * other value — a real Azure connection string, identity-based settings — is left alone.
 */
export type EmulatorEndpoints = {
  storageConnectionString: string;
  signalrPort: number;
  signalrAccessKey: string;
  servicebus?: ServiceBusEndpoint;
};

/** Where the broker's AMQP endpoint listens, and the key it takes instead of the sample's public one. */
export type ServiceBusEndpoint = { port: number; keyForPublicKeys: string };

/** The AMQP port `UseDevelopmentEmulator=true` clients use when the Endpoint names none. */
export const SERVICE_BUS_DEFAULT_PORT = 5672;
const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/** A Service Bus emulator connection string for this machine: its key name, key and port. */
export function localServiceBus(value: string): { keyName: string; key: string; port?: number } | undefined {
  if (!/UseDevelopmentEmulator\s*=\s*true/i.test(value)) return undefined;
  try {
    const parsed = parseServiceBusConnectionString(value);
    if (!LOOPBACK.includes(parsed.host) || !parsed.sharedAccessKeyName || !parsed.sharedAccessKey) return undefined;
    return { keyName: parsed.sharedAccessKeyName, key: parsed.sharedAccessKey, port: parsed.port };
  } catch {
    return undefined;
  }
}

/**
 * The shared access keys the local broker accepts: those of every local Service Bus connection string among the
 * settings (the per-install key of local.settings.json among them). A public placeholder (the sample's
 * `SAS_KEY_VALUE`) signs nothing: its key name gets `keyForPublicKeys` instead, which the app's settings are
 * pointed at. With no such connection string at all, only `keyForPublicKeys`.
 */
export function serviceBusKeys(values: string[], keyForPublicKeys: string): Map<string, string> {
  const keys = new Map<string, string>();
  for (const value of values) {
    const local = localServiceBus(value);
    if (local) keys.set(local.keyName, isPublicKey(local.key) ? keyForPublicKeys : local.key);
  }
  if (keys.size === 0) keys.set('RootManageSharedAccessKey', keyForPublicKeys);
  return keys;
}

export function pointAtLocalEndpoints(
  settings: Record<string, string>,
  endpoints: EmulatorEndpoints,
): Record<string, string> {
  const rewritten: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings)) {
    if (isDevelopmentStorage(value)) rewritten[name] = endpoints.storageConnectionString;
    else if (localSignalR(value)) rewritten[name] = withPortAndKey(value, endpoints);
    else if (endpoints.servicebus && localServiceBus(value)) {
      const pointed = withServiceBusEndpoint(value, endpoints.servicebus);
      if (pointed !== value) rewritten[name] = pointed;
    }
  }
  return rewritten;
}

function withPortAndKey(connectionString: string, endpoints: EmulatorEndpoints): string {
  const parts = connectionString
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '' && !/^Port\s*=/i.test(p))
    .map((p) => (/^AccessKey\s*=/i.test(p) ? `AccessKey=${endpoints.signalrAccessKey}` : p));
  const version = parts.findIndex((p) => /^Version\s*=/i.test(p));
  parts.splice(version >= 0 ? version : parts.length, 0, `Port=${endpoints.signalrPort}`);
  return `${parts.join(';')};`;
}

/** `Endpoint=sb://localhost` means port 5672: any other port the broker took is written into it. */
function withServiceBusEndpoint(connectionString: string, endpoint: ServiceBusEndpoint): string {
  const local = localServiceBus(connectionString)!;
  let pointed = connectionString;
  if ((local.port ?? SERVICE_BUS_DEFAULT_PORT) !== endpoint.port) {
    pointed = pointed.replace(/(Endpoint\s*=\s*sb:\/\/)([^/;:]+|\[[^\]]+\])(:\d+)?/i, `$1$2:${endpoint.port}`);
  }
  if (isPublicKey(local.key)) {
    pointed = pointed.replace(/(SharedAccessKey\s*=\s*)[^;]*/i, `$1${endpoint.keyForPublicKeys}`);
  }
  return pointed;
}
