import { parseSignalRConnectionString } from '../signalr/index.js';

/**
 * Connection strings in the forms of Azure's own emulators name fixed ports (`UseDevelopmentStorage=true` means
 * Azurite on 10002; the SignalR emulator form names its Port). When the stack runs those parts elsewhere (port 0
 * in tests, another --signalr-port), it points the settings at where they really are. Any other value — a real
 * Azure connection string, identity-based settings — is left alone.
 */
export type EmulatorEndpoints = { storageConnectionString: string; signalrPort: number };

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

export function pointAtLocalEndpoints(
  settings: Record<string, string>,
  endpoints: EmulatorEndpoints,
): Record<string, string> {
  const rewritten: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings)) {
    if (isDevelopmentStorage(value)) rewritten[name] = endpoints.storageConnectionString;
    else if (localSignalR(value)) rewritten[name] = withPort(value, endpoints.signalrPort);
  }
  return rewritten;
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
