import { ActionError, getJson, postJson } from './api.js';
import { button, el, table } from './dom.js';

type EntityStats = {
  path: string;
  kind: string;
  active: number;
  scheduled: number;
  locked: number;
  deadLetter: number;
};
type Message = {
  sequenceNumber: number;
  messageId: string;
  deliveryCount: number;
  enqueuedTimeUtc: string;
  contentType?: string;
  subject?: string;
  applicationProperties?: Record<string, unknown>;
  deadLetterSource?: string;
  body: { kind: string; text: string };
};

/** The Service Bus view: entities with their counts, peek, resubmit dead letters, purge, send a test message. */
export class ServiceBusView {
  readonly #entities = el('div', { id: 'sb-entities' });
  readonly #messages = el('div', { id: 'sb-messages' });
  readonly #send = el('form', { id: 'sb-send', className: 'send' });
  #peeked: string | undefined;

  constructor(
    readonly root: HTMLElement,
    readonly say: (message: string) => void,
  ) {
    root.append(this.#entities, this.#messages, this.#send);
  }

  async refresh(): Promise<void> {
    const { entities, sendTargets } = await getJson<{ entities: EntityStats[]; sendTargets: string[] }>(
      '/_local/api/servicebus',
    );
    this.#entities.replaceChildren(
      el(
        'h2',
        {},
        'Entities ',
        button('Refresh', () => void this.refresh(), { id: 'sb-refresh' }),
      ),
      table(
        ['entity', 'kind', 'active', 'scheduled', 'locked', 'dead letters', ''],
        entities.map((e) => [
          e.path,
          e.kind,
          String(e.active),
          String(e.scheduled),
          String(e.locked),
          e.kind === 'deadLetter' ? '' : String(e.deadLetter),
          el(
            'span',
            { className: 'actions' },
            button('Peek', () => void this.peek(e.path), { 'data-peek': e.path }),
            button('Purge', () => void this.#purge(e.path), { 'data-purge': e.path }),
          ),
        ]),
        { className: 'entities' },
      ),
    );
    if (this.#send.childElementCount === 0) this.#sendForm(sendTargets);
    if (this.#peeked) await this.peek(this.#peeked);
  }

  async peek(entity: string): Promise<void> {
    this.#peeked = entity;
    const { messages } = await getJson<{ messages: Message[] }>(
      `/_local/api/servicebus/messages?entity=${encodeURIComponent(entity)}&max=50`,
    );
    const deadLetters = entity.endsWith('/$DeadLetterQueue');
    this.#messages.replaceChildren(
      el('h2', {}, `Messages in ${entity}`),
      messages.length === 0
        ? el('p', { className: 'hint' }, 'No messages.')
        : el(
            'ol',
            { className: 'messages' },
            ...messages.map((m) =>
              el(
                'li',
                { className: 'message', 'data-sequence-number': String(m.sequenceNumber) },
                el(
                  'p',
                  {},
                  `#${m.sequenceNumber} · message id ${m.messageId} · delivery count ${m.deliveryCount} · enqueued ${m.enqueuedTimeUtc}`,
                ),
                el(
                  'pre',
                  { className: 'properties' },
                  JSON.stringify(
                    {
                      contentType: m.contentType,
                      subject: m.subject,
                      deadLetterSource: m.deadLetterSource,
                      ...m.applicationProperties,
                    },
                    null,
                    2,
                  ),
                ),
                el('pre', { className: 'body' }, m.body.text),
                deadLetters
                  ? button('Resubmit', () => void this.#resubmit(entity, m.sequenceNumber), {
                      'data-resubmit': String(m.sequenceNumber),
                    })
                  : undefined,
              ),
            ),
          ),
    );
  }

  async #act(path: string, body: unknown, done: (result: unknown) => string): Promise<void> {
    try {
      this.say(done(await postJson(path, body)));
      await this.refresh();
    } catch (error) {
      this.say(error instanceof ActionError ? error.message : String(error));
    }
  }

  #resubmit(entity: string, sequenceNumber: number): Promise<void> {
    return this.#act('/_local/api/servicebus/resubmit', { entity, sequenceNumber }, (r) => {
      const moved = r as { entityPath: string; sequenceNumber: number };
      return `Resubmitted to ${moved.entityPath} as #${moved.sequenceNumber}.`;
    });
  }

  #purge(entity: string): Promise<void> {
    if (!confirm(`Delete every unlocked message in ${entity}?`)) return Promise.resolve();
    return this.#act(
      '/_local/api/servicebus/purge',
      { entity },
      (r) => `Purged ${(r as { purged: number }).purged} message(s) from ${entity}.`,
    );
  }

  #sendForm(targets: string[]): void {
    const target = el(
      'select',
      { name: 'entity', 'aria-label': 'Send to' },
      ...targets.map((t) => el('option', { value: t }, t)),
    );
    const type = el(
      'select',
      { name: 'contentType', 'aria-label': 'Content type' },
      el('option', { value: 'application/json' }, 'application/json'),
      el('option', { value: 'text/plain' }, 'text/plain'),
    );
    const body = el('textarea', {
      name: 'body',
      rows: 4,
      'aria-label': 'Message body',
      value: '{\n  "hello": "world"\n}',
    });
    this.#send.replaceChildren(
      el('h2', {}, 'Send a test message'),
      target,
      type,
      body,
      el('button', { type: 'submit' }, 'Send'),
    );
    this.#send.addEventListener('submit', (event) => {
      event.preventDefault();
      void this.#act(
        '/_local/api/servicebus/send',
        { entity: target.value, body: body.value, contentType: type.value },
        () => `Sent a message to ${target.value}.`,
      );
    });
  }
}
