import { odata, RestError, TableClient, type TableEntityResult } from '@azure/data-tables';
import type { TokenCredential } from '@azure/identity';
import { createHash } from 'node:crypto';
import type { Order } from '../orders/order.js';
import { isOrderStatus } from '../orders/status.js';

export const DEFAULT_TABLE_NAME = 'orders';

/** What an idempotency key was used for: the order it created and a fingerprint of the request body. */
export type IdempotencyRecord = { orderId: string; requestHash: string };

export type CreateResult = { created: true } | { created: false; existing: IdempotencyRecord };

export type StoredOrder = { order: Order; etag: string };

/** Another writer changed the order since it was read; read it again and retry. */
export class ConcurrencyError extends Error {
  override readonly name = 'ConcurrencyError';
}

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
async function tableCall<T>(call: () => Promise<T>): Promise<T> {
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

type OrderEntity = {
  partitionKey: string;
  rowKey: string;
  orderId: string;
  status: string;
  version: number;
  items: string;
  note?: string;
  totalCents?: number;
  reason?: string;
  createdAt: string;
  updatedAt: string;
};

type IdempotencyEntity = { partitionKey: string; rowKey: string; orderId: string; requestHash: string };

const ORDER_PREFIX = 'order_';
const IDEMPOTENCY_PREFIX = 'idem_';

/**
 * Orders in Azure Table Storage. Partition = user id, so every read names its owner and another user's order
 * is simply not there. An order and the idempotency record that points at it share that partition and are
 * written in one transaction: both or neither.
 */
export class OrderStore {
  constructor(readonly table: TableClient) {}

  /** Stores a new order, unless the idempotency key was used already; then says what it was used for. */
  async create(order: Order, idempotency?: { key: string; requestHash: string }): Promise<CreateResult> {
    if (!idempotency) {
      await tableCall(() => this.table.createEntity(toEntity(order)));
      return { created: true };
    }
    const record: IdempotencyEntity = {
      partitionKey: order.userId,
      rowKey: idempotencyRowKey(idempotency.key),
      orderId: order.orderId,
      requestHash: idempotency.requestHash,
    };
    try {
      await tableCall(() =>
        this.table.submitTransaction([
          ['create', toEntity(order)],
          ['create', record],
        ]),
      );
      return { created: true };
    } catch (error) {
      if (statusOf(error) !== 409) throw error;
      // Lost a race with a concurrent request carrying the same key: answer as that one did.
      const existing = await this.findIdempotencyRecord(order.userId, idempotency.key);
      if (!existing) throw error;
      return { created: false, existing };
    }
  }

  async findIdempotencyRecord(userId: string, key: string): Promise<IdempotencyRecord | undefined> {
    const entity = await this.#get<IdempotencyEntity>(userId, idempotencyRowKey(key));
    return entity && { orderId: entity.orderId, requestHash: entity.requestHash };
  }

  async get(userId: string, orderId: string): Promise<StoredOrder | undefined> {
    const entity = await this.#get<OrderEntity>(userId, ORDER_PREFIX + orderId);
    return entity && { order: fromEntity(entity), etag: entity.etag };
  }

  /** The user's orders, newest first. */
  async list(userId: string): Promise<Order[]> {
    const filter = odata`PartitionKey eq ${userId} and RowKey ge ${ORDER_PREFIX} and RowKey lt ${'order`'}`;
    const orders = await tableCall(async () => {
      const found: Order[] = [];
      for await (const entity of this.table.listEntities<OrderEntity>({ queryOptions: { filter } })) {
        found.push(fromEntity(entity));
      }
      return found;
    });
    return orders.sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.orderId.localeCompare(a.orderId));
  }

  /** Replaces the order if it is still at `etag`; throws ConcurrencyError if someone got there first. */
  async replace(order: Order, etag: string): Promise<void> {
    try {
      await tableCall(() => this.table.updateEntity(toEntity(order), 'Replace', { etag }));
    } catch (error) {
      if (statusOf(error) === 412) throw new ConcurrencyError(`Order ${order.orderId} changed while being updated.`);
      throw error;
    }
  }

  async #get<T extends object>(partitionKey: string, rowKey: string): Promise<TableEntityResult<T> | undefined> {
    try {
      return await tableCall(() => this.table.getEntity<T>(partitionKey, rowKey));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
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

let shared: Promise<OrderStore> | undefined;

/** The process-wide store; creates its table on first use (and tries again next time if that failed). */
export function getOrderStore(): Promise<OrderStore> {
  shared ??= (async () => {
    const table = await tableClientFromSettings();
    await tableCall(() => table.createTable());
    return new OrderStore(table);
  })().catch((error: unknown) => {
    shared = undefined;
    throw error;
  });
  return shared;
}

function idempotencyRowKey(key: string): string {
  // Keys are client text; hashing keeps them within the characters and length a RowKey allows.
  return IDEMPOTENCY_PREFIX + createHash('sha256').update(key).digest('hex');
}

function toEntity(order: Order): OrderEntity {
  return {
    partitionKey: order.userId,
    rowKey: ORDER_PREFIX + order.orderId,
    orderId: order.orderId,
    status: order.status,
    version: order.version,
    items: JSON.stringify(order.items),
    ...(order.note === undefined ? {} : { note: order.note }),
    ...(order.totalCents === undefined ? {} : { totalCents: order.totalCents }),
    ...(order.reason === undefined ? {} : { reason: order.reason }),
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}

function fromEntity(entity: OrderEntity): Order {
  if (!isOrderStatus(entity.status)) {
    throw new Error(`Stored order ${entity.orderId} has unknown status "${entity.status}".`);
  }
  return {
    orderId: entity.orderId,
    userId: entity.partitionKey,
    status: entity.status,
    version: entity.version,
    items: JSON.parse(entity.items) as Order['items'],
    ...(entity.note === undefined ? {} : { note: entity.note }),
    ...(entity.totalCents === undefined ? {} : { totalCents: entity.totalCents }),
    ...(entity.reason === undefined ? {} : { reason: entity.reason }),
    createdAt: entity.createdAt,
    updatedAt: entity.updatedAt,
  };
}

function statusOf(error: unknown): number | undefined {
  if (error instanceof RestError) return error.statusCode;
  return undefined;
}
