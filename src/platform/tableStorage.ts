import { RestError, TableClient } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';

export const DEFAULT_TABLE_NAME = 'orders';

/**
 * Table storage cannot serve the request for now — it answered 5xx (ServerBusy, InternalError, a full disk's
 * InsufficientStorage) once the SDK's own retries were spent, or could not be reached. The same request may
 * succeed later.
 */
export class StorageUnavailableError extends Error {
  override readonly name = 'StorageUnavailableError';

  constructor(
    readonly status: number | undefined,
    readonly code: string | undefined,
    options: { cause: unknown },
  ) {
    super(`Order storage is unavailable (${status ?? 'no answer'}${code ? ` ${code}` : ''}).`, options);
  }
}

/** Codes the HTTP pipeline gives a request that never got an answer. */
const UNREACHABLE_CODES: ReadonlySet<string> = new Set([
  RestError.REQUEST_SEND_ERROR,
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** Runs a table call; an outage of the service comes out as StorageUnavailableError, anything else as it was. */
export async function tableCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof RestError) {
      const status = error.statusCode;
      if (status === undefined ? UNREACHABLE_CODES.has(error.code ?? '') : status >= 500) {
        throw new StorageUnavailableError(status, error.code, { cause: error });
      }
    }
    throw error;
  }
}

/**
 * The table client from settings: `OrdersStorage` as a connection string, or identity-based access with
 * `OrdersStorage__tableServiceUri` (managed identity when `OrdersStorage__credential` is `managedidentity`,
 * optionally `OrdersStorage__clientId`; otherwise DefaultAzureCredential). Table from `OrdersTableName`.
 */
export async function tableClientFromSettings(env: NodeJS.ProcessEnv = process.env): Promise<TableClient> {
  const tableName = env.OrdersTableName || DEFAULT_TABLE_NAME;
  if (!/^[A-Za-z][A-Za-z0-9]{2,62}$/.test(tableName)) {
    throw new Error(`Setting OrdersTableName "${tableName}" is not a valid table name (3-63 letters and digits).`);
  }
  const connectionString = env.OrdersStorage;
  if (connectionString) {
    // Emulators listen on plain http; the SDK refuses to send a shared key over it unless told.
    const insecure = /(^|;)\s*(DefaultEndpointsProtocol=http\s*(;|$)|TableEndpoint=http:)/i.test(connectionString);
    return TableClient.fromConnectionString(connectionString, tableName, { allowInsecureConnection: insecure });
  }
  const serviceUri = env.OrdersStorage__tableServiceUri;
  if (serviceUri) return new TableClient(serviceUri, tableName, await credentialFromSettings(env));
  throw new Error(
    'Setting OrdersStorage is missing: set it to a storage connection string, or set ' +
      'OrdersStorage__tableServiceUri for identity-based access.',
  );
}

/** @azure/identity is loaded only when used: it is large, and a connection string never needs it (cold starts). */
async function credentialFromSettings(env: NodeJS.ProcessEnv): Promise<TokenCredential> {
  const { DefaultAzureCredential, ManagedIdentityCredential } = await import('@azure/identity');
  const clientId = env.OrdersStorage__clientId;
  if (env.OrdersStorage__credential?.toLowerCase() === 'managedidentity') {
    return clientId ? new ManagedIdentityCredential({ clientId }) : new ManagedIdentityCredential();
  }
  return new DefaultAzureCredential(clientId ? { managedIdentityClientId: clientId } : {});
}

export function statusOf(error: unknown): number | undefined {
  if (error instanceof RestError) return error.statusCode;
  return undefined;
}
