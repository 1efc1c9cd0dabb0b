export function byId<T extends HTMLElement>(id: string): T {
  const element = document.getElementById(id);
  if (!element) throw new Error(`The page has no #${id}`);
  return element as T;
}

type Props<K extends keyof HTMLElementTagNameMap> = Partial<HTMLElementTagNameMap[K]> & Record<string, unknown>;

/** An element with properties (`data-*` and `aria-*` as attributes) and children; text is never parsed as HTML. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  props: Props<K> = {},
  ...children: (Node | string | undefined)[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined) continue;
    if (key.startsWith('data-') || key.startsWith('aria-')) element.setAttribute(key, String(value));
    else (element as unknown as Record<string, unknown>)[key] = value;
  }
  for (const child of children) if (child !== undefined) element.append(child);
  return element;
}

export function button(label: string, onClick: () => void, props: Props<'button'> = {}): HTMLButtonElement {
  const element = el('button', { type: 'button', ...props }, label);
  element.addEventListener('click', onClick);
  return element;
}

const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function clock(ms: number): string {
  return `${time.format(new Date(ms))}.${String(Math.floor(ms % 1000)).padStart(3, '0')}`;
}

export function duration(ms: number): string {
  return ms < 1 ? `${ms.toFixed(2)} ms` : ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** A table from rows of cells; the header row first. */
export function table(headers: string[], rows: (Node | string)[][], props: Props<'table'> = {}): HTMLTableElement {
  return el(
    'table',
    props,
    el('thead', {}, el('tr', {}, ...headers.map((h) => el('th', { scope: 'col' }, h)))),
    el('tbody', {}, ...rows.map((cells) => el('tr', {}, ...cells.map((cell) => el('td', {}, cell))))),
  );
}
