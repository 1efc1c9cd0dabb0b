import { lazyModule, restStatus } from '../../../shared/lazyModule.js';
import type { TableClient, TableEntityResult, TransactionAction } from '@azure/data-tables';
import * as z from 'zod';
import type { BindingInfo } from '../../core/functionIndex.js';
import { toRpcTypedData } from '../../codec/index.js';
import type { BindingContext } from '../shared/bindingAdapter.js';
import { collectorItems } from '../shared/collectorItems.js';
import { defineExtension } from '../shared/extension.js';
import { parseSection } from '../shared/hostJsonSection.js';
import {
  STORAGE_CONNECTION_FORMS,
  STORAGE_SERVICE,
  storageAccount,
  type StorageEmulator,
} from '../shared/storageAccount.js';

const tablesSdk = lazyModule<typeof import('@azure/data-tables')>('@azure/data-tables');

type Entity = Record<string, unknown>;
// Azure Tables takes at most 100 operations per transaction, all in one partition.
const MAX_BATCH = 100;

const text = (binding: BindingInfo, key: string): string | undefined =>
  typeof binding[key] === 'string' && binding[key] !== '' ? binding[key] : undefined;

function tableOf(binding: BindingInfo, ctx: BindingContext, emulator: StorageEmulator): TableClient {
  const name = text(binding, 'tableName');
  const where = `Function '${ctx.functionName}', binding '${binding.name}'`;
  if (!name || !/^[A-Za-z][A-Za-z0-9]{2,62}$/.test(name)) {
    throw new Error(
      `${where}: '${name ?? ''}' is not a valid table name (3-63 letters and digits, starting with a letter).`,
    );
  }
  return storageAccount(binding.connection, ctx.setting, emulator, where).table(name);
}

/** An entity as the extension hands it to a script function: its keys, Timestamp, etag and properties. */
function asJson(entity: TableEntityResult<Entity>): Entity {
  const { etag, partitionKey, rowKey, timestamp, ...properties } = entity;
  return { 'odata.etag': etag, PartitionKey: partitionKey, RowKey: rowKey, Timestamp: timestamp, ...properties };
}

async function readInput(binding: BindingInfo, table: TableClient): Promise<unknown> {
  const partitionKey = text(binding, 'partitionKey');
  const rowKey = text(binding, 'rowKey');
  if (partitionKey !== undefined && rowKey !== undefined) {
    try {
      return asJson(await table.getEntity<Entity>(partitionKey, rowKey));
    } catch (error) {
      if (restStatus(error) === 404) return undefined;
      throw error;
    }
  }
  const filters = [
    partitionKey === undefined ? undefined : tablesSdk().odata`PartitionKey eq ${partitionKey}`,
    text(binding, 'filter'),
  ];
  const filter = filters.filter((f) => f !== undefined).join(' and ');
  const take = typeof binding.take === 'number' && binding.take > 0 ? binding.take : Infinity;
  const entities: Entity[] = [];
  try {
    for await (const entity of table.listEntities<Entity>({ queryOptions: filter ? { filter } : {} })) {
      entities.push(asJson(entity));
      if (entities.length >= take) break;
    }
  } catch (error) {
    if (!(restStatus(error) === 404)) throw error;
  }
  return entities;
}

/** An output item as a table entity: keys from the item (any case) or else the binding; the rest as properties. */
function toEntity(
  item: unknown,
  binding: BindingInfo,
  where: string,
): { entity: Entity & { partitionKey: string; rowKey: string }; etag?: string } {
  if (item === null || typeof item !== 'object' || Array.isArray(item) || Buffer.isBuffer(item)) {
    throw new Error(`${where}: a table output item must be an object with PartitionKey and RowKey.`);
  }
  let partitionKey = text(binding, 'partitionKey');
  let rowKey = text(binding, 'rowKey');
  let etag: string | undefined;
  const properties: Entity = {};
  for (const [key, value] of Object.entries(item)) {
    const lower = key.toLowerCase();
    if (lower === 'partitionkey') partitionKey = String(value);
    else if (lower === 'rowkey') rowKey = String(value);
    else if (lower === 'etag' || lower === 'odata.etag') etag = String(value);
    else if (lower !== 'timestamp') properties[key] = value;
  }
  if (partitionKey === undefined || rowKey === undefined) {
    throw new Error(`${where}: a table output item needs a PartitionKey and a RowKey (in the item or the binding).`);
  }
  return { entity: { ...properties, partitionKey, rowKey }, etag };
}

/** Inserts (no etag), upserts (`*`) or replaces at an etag, batched per partition as the extension's writer does. */
async function writeOutput(items: unknown[], binding: BindingInfo, table: TableClient, where: string): Promise<void> {
  const byPartition = new Map<string, TransactionAction[][]>();
  for (const item of items) {
    const { entity, etag } = toEntity(item, binding, where);
    const batches = byPartition.get(entity.partitionKey) ?? [[]];
    let batch = batches[batches.length - 1]!;
    // A row twice in one batch is refused by the service: the second goes into the next batch.
    if (batch.length >= MAX_BATCH || batch.some((a) => a[1].rowKey === entity.rowKey)) batches.push((batch = []));
    batch.push(
      etag === undefined
        ? ['create', entity]
        : etag === '*'
          ? ['upsert', entity, 'Replace']
          : ['update', entity, 'Replace', { etag }],
    );
    byPartition.set(entity.partitionKey, batches);
  }
  for (const batches of byPartition.values()) {
    for (const batch of batches) {
      try {
        await table.submitTransaction(batch);
      } catch (error) {
        if (!(restStatus(error) === 404)) throw error;
        await table.createTable();
        await table.submitTransaction(batch);
      }
    }
  }
}

/** Azure Tables: the `table` input (one entity by keys, or a filtered query with `take`) and output. */
export const tablesExtension = defineExtension({
  name: 'tables',
  bindingTypes: ['table'],
  connectionForms: STORAGE_CONNECTION_FORMS,
  services: [STORAGE_SERVICE],
  // The Tables extension has no host.json settings: any key here is a mistake worth stopping for.
  parseOptions: (section, where) => parseSection(z.strictObject({}), section, where),
  start({ service }) {
    const emulator = service<StorageEmulator>(STORAGE_SERVICE);
    return {
      bindings: [
        {
          type: 'table',
          bindInput: async (binding, ctx) => toRpcTypedData(await readInput(binding, tableOf(binding, ctx, emulator))),
          async applyOutput(binding, value, ctx) {
            const where = `Function '${ctx.functionName}', binding '${binding.name}'`;
            await writeOutput(collectorItems(value, 'table'), binding, tableOf(binding, ctx, emulator), where);
          },
        },
      ],
    };
  },
});
