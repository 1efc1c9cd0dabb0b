import { lazyModule } from '../shared/lazyModule.js';

const tablesSdk = lazyModule<typeof import('@azure/data-tables')>('@azure/data-tables');

const MAX_ENTITIES = 200;

/** Read-only views of the stack's table storage (Azurite), through the same SDK the app uses. */
export class StorageView {
  readonly #connectionString: string;

  constructor(connectionString: string) {
    this.#connectionString = connectionString;
  }

  async tables(): Promise<string[]> {
    const service = tablesSdk().TableServiceClient.fromConnectionString(this.#connectionString, {
      allowInsecureConnection: true,
    });
    const names: string[] = [];
    for await (const table of service.listTables()) if (table.name) names.push(table.name);
    return names.sort();
  }

  /** The first entities of a table (at most `top`, 200 at most), with whether more exist. */
  async entities(table: string, top: number): Promise<{ entities: Record<string, unknown>[]; more: boolean }> {
    const client = tablesSdk().TableClient.fromConnectionString(this.#connectionString, table, {
      allowInsecureConnection: true,
    });
    const size = Math.min(Math.max(1, top), MAX_ENTITIES);
    const pages = client.listEntities().byPage({ maxPageSize: size });
    const first = await pages.next();
    if (first.done) return { entities: [], more: false };
    const page = first.value;
    return {
      entities: page.map(({ etag: _etag, ...entity }) => entity as Record<string, unknown>),
      more: page.continuationToken !== undefined,
    };
  }
}
