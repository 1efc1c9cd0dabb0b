import { clock, duration, el } from './dom.js';
import { matches, type TraceFilter, type TraceModel } from './model.js';
import { renderWaterfall } from './waterfall.js';

/**
 * The Timeline: every trace as it happens, newest first, filtered by user, function, status or any text (an
 * order id); the selected one as a waterfall.
 */
export class TimelineView {
  readonly #filter: TraceFilter = {};
  #selected: string | undefined;
  readonly #users = el('select', { id: 'filter-user', 'aria-label': 'User' });
  readonly #functions = el('select', { id: 'filter-function', 'aria-label': 'Function' });
  readonly #list = el('ol', { id: 'trace-list', className: 'trace-list', 'aria-label': 'Traces, newest first' });
  readonly #detail = el('div', { id: 'trace-detail' });

  constructor(
    readonly root: HTMLElement,
    readonly model: TraceModel,
  ) {
    const text = el('input', {
      id: 'filter-text',
      type: 'search',
      placeholder: 'Order id or any text',
      'aria-label': 'Search',
    });
    const status = el(
      'select',
      { id: 'filter-status', 'aria-label': 'Status' },
      el('option', { value: '' }, 'any status'),
      el('option', { value: 'ok' }, 'succeeded'),
      el('option', { value: 'error' }, 'failed'),
    );
    text.addEventListener('input', () => this.#set({ text: text.value }));
    status.addEventListener('change', () =>
      this.#set({ status: (status.value || undefined) as TraceFilter['status'] }),
    );
    this.#users.addEventListener('change', () => this.#set({ user: this.#users.value || undefined }));
    this.#functions.addEventListener('change', () => this.#set({ functionName: this.#functions.value || undefined }));
    root.append(
      el('div', { className: 'filters' }, text, this.#users, this.#functions, status),
      el('div', { className: 'timeline' }, this.#list, this.#detail),
    );
  }

  select(traceId: string): void {
    this.#selected = traceId;
    this.render();
  }

  #set(change: Partial<TraceFilter>): void {
    Object.assign(this.#filter, change);
    this.render();
  }

  render(): void {
    const summaries = this.model.summaries();
    this.#options(
      this.#users,
      'any user',
      summaries.flatMap((s) => s.users),
      this.#filter.user,
    );
    this.#options(
      this.#functions,
      'any function',
      summaries.flatMap((s) => s.functions),
      this.#filter.functionName,
    );
    const shown = summaries.filter((s) => matches(s, this.#filter));
    this.#list.replaceChildren(
      ...shown.map((s) => {
        const item = el(
          'li',
          {
            className: `trace status-${s.status}`,
            'data-trace-id': s.traceId,
            'aria-selected': String(s.traceId === this.#selected),
          },
          el(
            'button',
            { type: 'button' },
            el('span', { className: 'when' }, clock(s.startMs)),
            el('strong', {}, s.name),
            el(
              'span',
              { className: 'meta' },
              [
                s.functions.join(', '),
                s.users.map((u) => `user ${u}`).join(', '),
                `${s.spanCount} spans`,
                duration(s.endMs - s.startMs),
              ]
                .filter(Boolean)
                .join(' · '),
            ),
          ),
        );
        item.querySelector('button')!.addEventListener('click', () => this.select(s.traceId));
        return item;
      }),
    );
    if (shown.length === 0)
      this.#list.append(
        el('li', { className: 'empty' }, 'Nothing recorded yet: use the app, and its traces appear here.'),
      );
    const trace = this.#selected ? this.model.trace(this.#selected) : undefined;
    this.#detail.replaceChildren(
      ...(trace
        ? [el('h2', {}, `Trace ${trace.traceId}`), renderWaterfall(trace)]
        : [el('p', { className: 'hint' }, 'Pick a trace to see its path as a waterfall, with every log line.')]),
    );
  }

  #options(select: HTMLSelectElement, any: string, values: string[], current: string | undefined): void {
    const wanted = [...new Set(values)].sort();
    if (current && !wanted.includes(current)) wanted.push(current);
    const existing = [...select.options].slice(1).map((o) => o.value);
    if (existing.join('\n') === wanted.join('\n') && select.options.length > 0) return;
    select.replaceChildren(el('option', { value: '' }, any), ...wanted.map((v) => el('option', { value: v }, v)));
    select.value = current ?? '';
  }
}
