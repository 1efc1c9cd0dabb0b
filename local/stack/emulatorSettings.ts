import { randomBytes } from 'node:crypto';
import { parseServiceBusConnectionString } from '../servicebus/connectionString.js';
import { parseSignalRConnectionString } from '../signalr/index.js';

/**
 * Connection strings in the forms of Azure's own emulators name fixed ports (`UseDevelopmentStorage=true` means
 * Azurite on 10002; the SignalR emulator form names its Port). When the stack runs those parts elsewhere (port 0
 * in tests, another --signalr-port), it points the settings at where they really are. Any other value — a real
 * Azure connection string, identity-based settings — is left alone.
 */
export type EmulatorEndpoints = { storageConnectionString: string; signalrPort: number; servicebusPort?: number };

/** The AMQP port `UseDevelopmentEmulator=true` clients use when the Endpoint names none. */
export const SERVICE_BUS_DEFAULT_PORT = 5672;
const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

const DEVELOPMENT_STORAGE = /^\s*UseDevelopmentStorage\s*=\s*true\s*;?\s*$/i;

export function isDevelopmentStorage(value: string): boolean {
  return DEVELOPMENT_STORAGE.test(value);
}

/** A SignalR connection string served by the local stand-in: its endpoint is this machine. */
export function localSignalR(value: string): { accessKey: string } | undefined {
  if (!/^\s*Endpoint\s*=/i.test(value) || !/AccessKey\s*=/i.test(value)) return undefined;
  try {
    const parsed = parseSignalRConnectionString(value);
    const host = new URL(parsed.endpoint).hostname;
    return ['localhost', '127.0.0.1', '[::1]'].includes(host) ? { accessKey: parsed.accessKey } : undefined;
  } catch {
    return undefined;
  }
}

/** A Service Bus emulator connection string for this machine: its key, which the local broker then accepts. */
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
 * settings (the per-install key of local.settings.json among them). With none, a random key nobody knows.
 */
export function serviceBusKeys(values: string[]): Map<string, string> {
  const keys = new Map<string, string>();
  for (const value of values) {
    const local = localServiceBus(value);
    if (local) keys.set(local.keyName, local.key);
  }
  if (keys.size === 0) keys.set('RootManageSharedAccessKey', randomBytes(32).toString('base64'));
  return keys;
}

export function pointAtLocalEndpoints(
  settings: Record<string, string>,
  endpoints: EmulatorEndpoints,
): Record<string, string> {
  const rewritten: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings)) {
    if (isDevelopmentStorage(value)) rewritten[name] = endpoints.storageConnectionString;
    else if (localSignalR(value)) rewritten[name] = withPort(value, endpoints.signalrPort);
    else if (endpoints.servicebusPort !== undefined && localServiceBus(value)) {
      const rewrittenValue = withEndpointPort(value, endpoints.servicebusPort);
      if (rewrittenValue !== value) rewritten[name] = rewrittenValue;
    }
  }
  return rewritten;
}

/** `Endpoint=sb://localhost` names port 5672 by default; any other port the broker took is written into it. */
function withEndpointPort(connectionString: string, port: number): string {
  const local = localServiceBus(connectionString);
  if ((local?.port ?? SERVICE_BUS_DEFAULT_PORT) === port) return connectionString;
  return connectionString.replace(/(Endpoint\s*=\s*sb:\/\/)([^/;:]+|\[[^\]]+\])(:\d+)?/i, `$1$2:${port}`);
}

function withPort(connectionString: string, port: number): string {
  const parts = connectionString
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p !== '' && !/^Port\s*=/i.test(p));
  const version = parts.findIndex((p) => /^Version\s*=/i.test(p));
  parts.splice(version >= 0 ? version : parts.length, 0, `Port=${port}`);
  return `${parts.join(';')};`;
}
