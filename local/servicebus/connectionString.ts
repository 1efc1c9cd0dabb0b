export type ServiceBusConnection = {
  /** The Endpoint value as given, e.g. `sb://localhost`. */
  endpoint: string;
  host: string;
  /** The port from the Endpoint, when it names one. */
  port?: number;
  emulator: true;
  sharedAccessKeyName?: string;
  sharedAccessKey?: string;
  entityPath?: string;
};

const emulatorExample =
  'Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;';

/**
 * Parses a Service Bus connection string. Only the official emulator's form (`UseDevelopmentEmulator=true`)
 * is accepted: it selects the embedded broker. Real namespaces are refused rather than silently ignored.
 */
export function parseServiceBusConnectionString(value: string): ServiceBusConnection {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new Error(`The Service Bus connection string is empty; expected e.g. "${emulatorExample}"`);
  }
  const fields = new Map<string, string>();
  for (const part of value.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0)
      throw new Error(`The Service Bus connection string has a malformed part "${part.trim()}" (expected Key=Value).`);
    fields.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  const endpoint = fields.get('endpoint');
  if (!endpoint)
    throw new Error(`The Service Bus connection string has no Endpoint; expected e.g. "${emulatorExample}"`);
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`The Service Bus connection string Endpoint "${endpoint}" is not a URL such as sb://localhost.`);
  }
  if (url.protocol !== 'sb:') {
    throw new Error(`The Service Bus connection string Endpoint "${endpoint}" must use the sb:// scheme.`);
  }
  if (fields.get('usedevelopmentemulator')?.toLowerCase() !== 'true') {
    throw new Error(
      `The Service Bus connection string points at the real namespace "${url.hostname}". The local stack only ` +
        `serves the embedded broker, selected by the emulator connection string "${emulatorExample}". ` +
        'Connecting the local stack to a real Azure Service Bus namespace is not supported yet.',
    );
  }
  const connection: ServiceBusConnection = { endpoint, host: url.hostname, emulator: true };
  if (url.port !== '') connection.port = Number(url.port);
  const keyName = fields.get('sharedaccesskeyname');
  if (keyName !== undefined) connection.sharedAccessKeyName = keyName;
  const key = fields.get('sharedaccesskey');
  if (key !== undefined) connection.sharedAccessKey = key;
  const entityPath = fields.get('entitypath');
  if (entityPath !== undefined) connection.entityPath = entityPath;
  return connection;
}
