import { odata, type TableClient, type TableEntityResult } from '@azure/data-tables';
import { createHash } from 'node:crypto';
import { statusOf, tableCall, tableClientFromSettings } from '../platform/tableStorage.js';
import type { Order } from './order.js';
import { isOrderStatus } from './status.js';

/** What an idempotency key was used for: the order it created and a fingerprint of the request body. */
export type IdempotencyRecord = { orderId: string; requestHash: string };

/** A created order comes with the ETag of its row, so its first update needs no read. */
export type CreateResult =
  { created: true; etag: string | undefined } | { created: false; existing: IdempotencyRecord };

export type StoredOrder = { order: Order; etag: string };

/** Another writer changed the order since it was read; read it again and retry. */
export class ConcurrencyError extends Error {
  override readonly name = 'ConcurrencyError';
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
      const { etag } = await tableCall(() => this.table.createEntity(toEntity(order)));
      return { created: true, etag };
    }
    const record: IdempotencyEntity = {
      partitionKey: order.userId,
      rowKey: idempotencyRowKey(idempotency.key),
      orderId: order.orderId,
      requestHash: idempotency.requestHash,
    };
    try {
      const entity = toEntity(order);
      const response = await tableCall(() =>
        this.table.submitTransaction([
          ['create', entity],
          ['create', record],
        ]),
      );
      return { created: true, etag: response.getResponseForEntity(entity.rowKey)?.etag };
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

  /**
   * Replaces the order if it is still at `etag`; throws ConcurrencyError if someone got there first, or if the
   * row is gone (a caller that wrote from a remembered ETag then reads and sees there is no order).
   */
  async replace(order: Order, etag: string): Promise<void> {
    try {
      await tableCall(() => this.table.updateEntity(toEntity(order), 'Replace', { etag }));
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || status === 404) {
        throw new ConcurrencyError(`Order ${order.orderId} changed while being updated.`);
      }
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
