import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DefaultAzureCredential } from '@azure/identity';
import { ServiceBusClient } from '@azure/service-bus';

export class UsageError extends Error {}

export type ConnectionChoice = { connectionString?: string; namespace?: string; setting: string; cwd: string };

/** What the client connects with, for the banner: never a key. */
export type Connected = { client: ServiceBusClient; describe: string };

const SETTINGS_FILES = ['local.settings.json', 'local.settings.sample.json'];
// An operator waits for an answer: a couple of quick retries, not the SDK's default 30 s between three.
const retryOptions = { maxRetries: 2, retryDelayInMs: 500, timeoutInMs: 30_000 };

function fullyQualified(namespace: string): string {
  return namespace.includes('.') ? namespace : `${namespace}.servicebus.windows.net`;
}

function withIdentity(namespace: string, source: string): Connected {
  const host = fullyQualified(namespace);
  return {
    client: new ServiceBusClient(host, new DefaultAzureCredential(), { retryOptions }),
    describe: `${host} (Microsoft Entra ID, ${source})`,
  };
}

function withConnectionString(connectionString: string, source: string): Connected {
  const endpoint = /Endpoint\s*=\s*([^;]+)/i.exec(connectionString)?.[1] ?? '(no Endpoint)';
  return { client: new ServiceBusClient(connectionString, { retryOptions }), describe: `${endpoint} (${source})` };
}

/** The app's own Service Bus setting, as func start and the local stack read it from the settings file. */
function fromSettings(choice: ConnectionChoice): Connected {
  for (const file of SETTINGS_FILES) {
    const path = join(choice.cwd, file);
    if (!existsSync(path)) continue;
    const values = (JSON.parse(readFileSync(path, 'utf8')) as { Values?: Record<string, string> }).Values ?? {};
    const value = values[choice.setting];
    if (value) return withConnectionString(value, `${file} ${choice.setting}`);
    const namespace = values[`${choice.setting}__fullyQualifiedNamespace`];
    if (namespace) return withIdentity(namespace, `${file} ${choice.setting}__fullyQualifiedNamespace`);
  }
  throw new UsageError(
    `No Service Bus connection: ${choice.setting} is not in local.settings.json; pass --connection-string or --namespace.`,
  );
}

/** --connection-string, else --namespace (signed in with @azure/identity), else the app's setting. */
export function connect(choice: ConnectionChoice): Connected {
  if (choice.connectionString !== undefined && choice.namespace !== undefined) {
    throw new UsageError('Pass --connection-string or --namespace, not both.');
  }
  if (choice.connectionString !== undefined)
    return withConnectionString(choice.connectionString, '--connection-string');
  if (choice.namespace !== undefined) return withIdentity(choice.namespace, '--namespace');
  return fromSettings(choice);
}
