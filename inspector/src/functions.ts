import { ActionError, getJson, postJson } from './api.js';
import { button, clock, duration, el, table } from './dom.js';
import type { TraceModel } from './model.js';
import type { Span } from './types.js';

type FunctionView = {
  name: string;
  disabled: boolean;
  trigger: string;
  http?: { route: string; methods: string[] };
  bindings: ({ name: string; type: string; direction: string } & Record<string, unknown>)[];
};

const BINDING_KEYS = [
  'route',
  'methods',
  'queueName',
  'topicName',
  'subscriptionName',
  'hubName',
  'connection',
  'userId',
];

function bindingText(binding: FunctionView['bindings'][number]): string {
  const details = BINDING_KEYS.filter((k) => binding[k] !== undefined).map(
    (k) => `${k}: ${JSON.stringify(binding[k])}`,
  );
  return `${binding.direction} ${binding.type} '${binding.name}'${details.length ? ` (${details.join(', ')})` : ''}`;
}

/**
 * The Functions view: each function's bindings, its recent invocations, and "run now" for non-HTTP ones. The view
 * refreshes whenever something is recorded; each function's article, and the input typed into its run form, stay
 * as they are, and only the list of invocations is redrawn.
 */
export class FunctionsView {
  #functions: FunctionView[] = [];
  #shown = '';
  readonly #articles = new Map<string, { article: HTMLElement; runs: HTMLElement }>();

  constructor(
    readonly root: HTMLElement,
    readonly model: TraceModel,
    readonly openTrace: (traceId: string) => void,
    readonly say: (message: string) => void,
  ) {}

  async refresh(): Promise<void> {
    this.#functions = (await getJson<{ functions: FunctionView[] }>('/_local/api/functions')).functions;
    this.render();
  }

  render(): void {
    // The articles are built again only when the functions themselves change (a reload of the app).
    const shown = JSON.stringify(this.#functions);
    if (shown !== this.#shown) {
      this.#shown = shown;
      this.#articles.clear();
      this.root.replaceChildren(...this.#functions.map((fn) => this.#article(fn)));
    }
    const invocations = this.model.spans().filter((s) => s.attributes['faas.invocation_id'] !== undefined);
    for (const fn of this.#functions) {
      const runs = invocations
        .filter((s) => s.attributes['faas.name'] === fn.name)
        .sort((a, b) => b.startMs - a.startMs)
        .slice(0, 10);
      this.#articles.get(fn.name)?.runs.replaceChildren(this.#invocations(runs));
    }
  }

  #article(fn: FunctionView): HTMLElement {
    const runs = el('div', { className: 'runs' });
    const article = el(
      'article',
      { className: 'function', 'data-function': fn.name },
      el('h2', {}, fn.name, fn.disabled ? ' (disabled)' : ''),
      el('ul', { className: 'bindings' }, ...fn.bindings.map((b) => el('li', {}, bindingText(b)))),
      fn.http
        ? el(
            'p',
            { className: 'hint' },
            `HTTP ${fn.http.methods.join(', ')} /${fn.http.route}: call its URL to run it.`,
          )
        : this.#runForm(fn.name),
      runs,
    );
    this.#articles.set(fn.name, { article, runs });
    return article;
  }

  #invocations(runs: Span[]): HTMLElement {
    if (runs.length === 0) return el('p', { className: 'hint' }, 'No invocation recorded yet.');
    const logs = (spanId: string, traceId: string) =>
      (this.model.trace(traceId)?.logs ?? [])
        .filter((l) => l.spanId === spanId)
        .map((l) => `[${l.level}] ${l.message}`)
        .join('\n');
    const rows = runs.map((s) => [
      clock(s.startMs),
      el('span', { className: `badge status-${s.status}` }, s.status === 'error' ? 'Failed' : 'Succeeded'),
      duration(s.endMs - s.startMs),
      el(
        'details',
        {},
        el('summary', {}, String(s.attributes['faas.invocation_id'])),
        el('pre', {}, [s.statusMessage, logs(s.spanId, s.traceId)].filter(Boolean).join('\n')),
      ),
      button('Open trace', () => this.openTrace(s.traceId)),
    ]);
    return table(['started', 'status', 'duration', 'invocation (logs)', ''], rows, { className: 'invocations' });
  }

  #runForm(name: string): HTMLElement {
    const input = el('textarea', {
      rows: 2,
      'aria-label': `Input for ${name}`,
      placeholder: 'The trigger input, as text (e.g. a message body)',
    });
    const run = button(
      'Run now',
      () => {
        postJson(`/admin/functions/${encodeURIComponent(name)}`, { input: input.value })
          .then(() => this.say(`${name} was started; its invocation appears here and in the timeline.`))
          .catch((error: unknown) => this.say(error instanceof ActionError ? error.message : String(error)));
      },
      { className: 'run-now' },
    );
    return el('div', { className: 'run' }, input, run);
  }
}
