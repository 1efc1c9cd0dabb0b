import type { TableClient } from '@azure/data-tables';
import type { BlobServiceClient } from '@azure/storage-blob';
import type { QueueServiceClient } from '@azure/storage-queue';
import { isDevelopmentStorage } from '../../../shared/azuriteSettings.js';
import { lazyModule } from '../../../shared/lazyModule.js';
import { HostContainer, type BlobLocation } from './hostContainer.js';

// The SDKs load when a binding first reaches storage: an app without storage bindings never pays for them.
const blobSdk = lazyModule<typeof import('@azure/storage-blob')>('@azure/storage-blob');
const queueSdk = lazyModule<typeof import('@azure/storage-queue')>('@azure/storage-queue');
const tablesSdk = lazyModule<typeof import('@azure/data-tables')>('@azure/data-tables');

/** The local `storage` service: Azurite's endpoints, path-style, for the emulator account. */
export type StorageEmulator = {
  blobEndpoint: string;
  queueEndpoint: string;
  tableEndpoint: string;
  accountName: string;
  accountKey: string;
};

export const STORAGE_SERVICE = 'storage';

/** The container of `AzureWebJobsStorage` where the host keeps its own state (timer status, blob receipts). */
export const HOSTS_CONTAINER = 'azure-webjobs-hosts';

/**
 * Creates the host's container in `AzureWebJobsStorage`, as the Functions host does when it starts. The stack
 * calls it while the app loads in its worker: the first request Azurite's blob service answers compiles its
 * request path (~0.1 s here), and this takes that off the way to the first timer or blob trigger. Failure is left
 * to the trigger that needs the container, which reports it there.
 */
export async function createHostContainer(
  setting: (name: string) => string | undefined,
  emulator: StorageEmulator,
): Promise<void> {
  try {
    const account = storageAccount(undefined, setting, emulator, 'The host storage (AzureWebJobsStorage)');
    await account.hostContainer().createIfNotExists();
  } catch {
    // Reported by the binding that needs it.
  }
}

export const STORAGE_CONNECTION_FORMS = [
  '<connection> = UseDevelopmentStorage=true, or a connection string with AccountName/AccountKey and loopback BlobEndpoint/QueueEndpoint/TableEndpoint',
  '<connection>__serviceUri, __blobServiceUri, __queueServiceUri, __tableServiceUri = Azurite URLs (identity-based form)',
];

type Service = 'blob' | 'queue' | 'table';

/** One storage account as a binding's `connection` names it, with a client per service. */
export type StorageAccount = {
  /** The setting the connection came from, for messages. */
  readonly setting: string;
  blobs(): BlobServiceClient;
  /** `azure-webjobs-hosts` of this account, for the host's own state. */
  hostContainer(): HostContainer;
  queues(): QueueServiceClient;
  table(name: string): TableClient;
};

const ENDPOINT_KEY: Record<Service, string> = { blob: 'blobendpoint', queue: 'queueendpoint', table: 'tableendpoint' };

function parseConnectionString(value: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const part of value.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) parts.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  return parts;
}

function isLoopback(url: string): boolean {
  try {
    const { hostname } = new URL(url);
    return ['localhost', '127.0.0.1', '[::1]', '::1'].includes(hostname.toLowerCase());
  } catch {
    return false;
  }
}

type Located = BlobLocation;

/**
 * Resolves a binding's `connection` as the storage extensions do: the named setting (or `AzureWebJobs<name>`),
 * `AzureWebJobsStorage` when empty; a connection string, or the identity-based `<name>__…ServiceUri` settings.
 * Only Azurite is served: `UseDevelopmentStorage=true`, or endpoints on this machine. Identity-based URLs are
 * reached with the emulator account's key, since Azurite over plain HTTP takes no tokens.
 */
export function storageAccount(
  connection: unknown,
  setting: (name: string) => string | undefined,
  emulator: StorageEmulator,
  where: string,
): StorageAccount {
  const name = typeof connection === 'string' && connection !== '' ? connection : 'AzureWebJobsStorage';
  const value = setting(name) ?? setting(`AzureWebJobs${name}`);
  const locate = (service: Service): Located => {
    if (value !== undefined) return fromConnectionString(value, service, emulator, `${where}: setting '${name}'`);
    return fromIdentitySettings(name, service, setting, emulator, where);
  };
  return {
    setting: name,
    blobs: () => {
      const at = locate('blob');
      const { BlobServiceClient, StorageSharedKeyCredential } = blobSdk();
      return new BlobServiceClient(at.endpoint, new StorageSharedKeyCredential(at.accountName, at.accountKey));
    },
    hostContainer: () => new HostContainer(locate('blob'), HOSTS_CONTAINER),
    queues: () => {
      const at = locate('queue');
      const { QueueServiceClient, StorageSharedKeyCredential } = queueSdk();
      return new QueueServiceClient(at.endpoint, new StorageSharedKeyCredential(at.accountName, at.accountKey));
    },
    table: (table) => {
      const at = locate('table');
      const { TableClient, AzureNamedKeyCredential } = tablesSdk();
      return new TableClient(at.endpoint, table, new AzureNamedKeyCredential(at.accountName, at.accountKey), {
        allowInsecureConnection: at.endpoint.startsWith('http:'),
      });
    },
  };
}

function fromConnectionString(value: string, service: Service, emulator: StorageEmulator, where: string): Located {
  const emulated = { endpoint: emulator[`${service}Endpoint`], ...emulatorKey(emulator) };
  if (isDevelopmentStorage(value)) return emulated;
  const parts = parseConnectionString(value);
  const accountName = parts.get('accountname');
  const accountKey = parts.get('accountkey');
  if (!accountName || !accountKey) {
    throw new Error(`${where} is not a storage connection string (it needs AccountName and AccountKey).`);
  }
  const endpoint = parts.get(ENDPOINT_KEY[service]);
  if (endpoint === undefined) {
    // The emulator account with only some endpoints named: the others are Azurite's, as UseDevelopmentStorage says.
    if (accountName === emulator.accountName) return emulated;
    throw new Error(
      `${where} points at the real storage account '${accountName}'; the local host serves Azurite only.`,
    );
  }
  if (!isLoopback(endpoint)) {
    throw new Error(`${where}: ${endpoint} is not on this machine; the local host serves Azurite only.`);
  }
  return { endpoint, accountName, accountKey };
}

function fromIdentitySettings(
  name: string,
  service: Service,
  setting: (name: string) => string | undefined,
  emulator: StorageEmulator,
  where: string,
): Located {
  // `<name>__serviceUri` names the one service of the binding that reads it (each extension takes it as an
  // alias); the per-service setting wins when both are there.
  const key = [`${name}__${service}ServiceUri`, `${name}__serviceUri`].find((k) => setting(k) !== undefined);
  const uri = key === undefined ? undefined : setting(key);
  if (uri !== undefined) {
    if (!isLoopback(uri)) {
      throw new Error(`${where}: '${key}' (${uri}) is not Azurite; the local host serves Azurite only.`);
    }
    return { endpoint: uri.replace(/\/+$/, ''), ...emulatorKey(emulator) };
  }
  if (setting(`${name}__accountName`) !== undefined) {
    throw new Error(
      `${where}: '${name}__accountName' names a real storage account, which the local host does not serve. Set '${name}' to UseDevelopmentStorage=true.`,
    );
  }
  throw new Error(`${where}: the storage connection setting '${name}' is not defined in the app settings.`);
}

function emulatorKey(emulator: StorageEmulator): { accountName: string; accountKey: string } {
  return { accountName: emulator.accountName, accountKey: emulator.accountKey };
}
