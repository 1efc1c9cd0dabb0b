import { getJson } from './api.js';
import { button, el, table } from './dom.js';

const SHOWN = 160;

function cell(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > SHOWN ? `${text.slice(0, SHOWN)}…` : text;
}

/** The Storage view: the tables of the stack's Azurite and their entities (the orders), read-only. */
export class StorageView {
  constructor(readonly root: HTMLElement) {}

  async refresh(): Promise<void> {
    const { tables } = await getJson<{ tables: string[] }>('/_local/api/storage/tables');
    const entities = el('div', { id: 'storage-entities' });
    this.root.replaceChildren(
      el('h2', {}, 'Tables'),
      el(
        'p',
        { className: 'tables' },
        ...tables.map((t) => button(t, () => void this.#show(t, entities), { 'data-table': t })),
      ),
      entities,
    );
    if (tables[0]) await this.#show(tables[0], entities);
  }

  async #show(name: string, into: HTMLElement): Promise<void> {
    const { entities, more } = await getJson<{ entities: Record<string, unknown>[]; more: boolean }>(
      `/_local/api/storage/entities?table=${encodeURIComponent(name)}&top=100`,
    );
    const columns = [...new Set(['partitionKey', 'rowKey', 'timestamp', ...entities.flatMap((e) => Object.keys(e))])];
    into.replaceChildren(
      el('h3', {}, `${name} (${entities.length}${more ? '+' : ''} entities)`),
      table(
        columns,
        entities.map((e) => columns.map((c) => (e[c] === undefined ? '' : cell(e[c])))),
        { className: 'entities', 'data-table': name },
      ),
    );
  }
}
