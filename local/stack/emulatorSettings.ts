import { localSignalR } from '../signalr/index.js';

/**
 * Connection strings in the forms of Azure's own emulators name fixed ports (`UseDevelopmentStorage=true` means
 * Azurite on 10002; the SignalR emulator form names its Port). When the stack runs those parts elsewhere (port 0
 * in tests, another --signalr-port), it points the settings at where they really are, and gives every local
 * SignalR connection string the key the service really signs with. Any other value — a real
 * Azure connection string, identity-based settings — is left alone.
 */
export type EmulatorEndpoints = { storageConnectionString: string; signalrPort: number; signalrAccessKey: string };

const DEVELOPMENT_STORAGE = /^\s*UseDevelopmentStorage\s*=\s*true\s*;?\s*$/i;

export function isDevelopmentStorage(value: string): boolean {
  return DEVELOPMENT_STORAGE.test(value);
}

export function pointAtLocalEndpoints(
  settings: Record<string, string>,
  endpoints: EmulatorEndpoints,
): Record<string, string> {
  const rewritten: Record<string, string> = {};
  for (const [name, value] of Object.entries(settings)) {
    if (isDevelopmentStorage(value)) rewritten[name] = endpoints.storageConnectionString;
    else if (localSignalR(value)) rewritten[name] = withPortAndKey(value, endpoints);
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
