import { odata, type TableClient } from '@azure/data-tables';
import type { OrderMessage } from './orderMessage.js';

type AcceptedRow = { partitionKey: string; orderId: string; items: string; createdAt: string };

/**
 * Orders still `Accepted` that were created before `before` (ISO time), across every user's partition, as the
 * messages createOrder would have sent. A cross-partition query: Table storage scans the order rows server-side
 * and only matching ones come back (the cost at scale is in docs/app.md).
 */
export async function findAcceptedBefore(table: TableClient, before: string, limit: number): Promise<OrderMessage[]> {
  const filter = odata`RowKey ge ${'order_'} and RowKey lt ${'order`'} and status eq ${'Accepted'} and createdAt lt ${before}`;
  const found: OrderMessage[] = [];
  const rows = table.listEntities<AcceptedRow>({
    queryOptions: { filter, select: ['PartitionKey', 'orderId', 'items', 'createdAt'] },
  });
  for await (const row of rows) {
    found.push({
      orderId: row.orderId,
      userId: row.partitionKey,
      items: JSON.parse(row.items) as OrderMessage['items'],
      createdAt: row.createdAt,
    });
    if (found.length >= limit) break;
  }
  return found;
}
