import { clock, duration, el } from './dom.js';
import { waterfall } from './model.js';
import type { Attributes, Log, Span, Trace } from './types.js';

/** The attributes shown under a span, with their short labels. */
const SHOWN_ATTRIBUTES = new Map([
  ['enduser.id', 'user'],
  ['faas.invocation_id', 'invocation'],
  ['http.response.status_code', 'status'],
  ['messaging.message.id', 'message'],
  ['messaging.message.delivery_count', 'delivery'],
  ['servicebus.sequence_number', 'seq'],
  ['servicebus.entities', 'to'],
  ['servicebus.dead_letter_reason', 'reason'],
  ['signalr.target', 'target'],
  ['signalr.audience', 'audience'],
  ['signalr.group', 'group'],
  ['signalr.user', 'user'],
  ['signalr.delivered', 'delivered'],
  ['signalr.arguments', 'arguments'],
]);

const SHORT_SERVICE: Record<string, string> = {
  'servicebus-emulator': 'service bus',
  'signalr-emulator': 'signalr',
};

function describe(attributes: Attributes, labels: ReadonlyMap<string, string> = SHOWN_ATTRIBUTES): string {
  return [...labels]
    .filter(([key]) => attributes[key] !== undefined && attributes[key] !== '')
    .map(([key, label]) => `${label}=${String(attributes[key])}`)
    .join('  ');
}

function eventLine(event: Span['events'][number]): HTMLElement {
  const a = event.attributes;
  const text =
    event.name === 'delivered' || event.name === 'joined' || event.name === 'left'
      ? `${event.name} → connection ${String(a['signalr.connection_id'])} (user ${String(a['enduser.id'] ?? '—')}, ${String(a['signalr.transport'] ?? '?')})${a['signalr.group'] ? ` group ${String(a['signalr.group'])}` : ''}`
      : event.name === 'exception'
        ? `exception: ${String(a['exception.message'] ?? '')}`
        : `${event.name} ${describe(a, new Map(Object.keys(a).map((k) => [k, k.split('.').pop()!])))}`;
  return el(
    'li',
    { className: `event event-${event.name.replace(/\W+/g, '-')}`, 'data-event': event.name },
    `${clock(event.timeMs)}  ${text}`,
  );
}

function logLine(log: Log): HTMLElement {
  return el(
    'li',
    { className: `log level-${log.level}`, 'data-log-level': log.level },
    `${clock(log.timeMs)}  [${log.level}] ${log.message}`,
  );
}

/**
 * One trace as a waterfall: each span under its parent, a bar for when it ran within the whole trace, its
 * duration, and below it what happened during it — its events (locks, settlements, deliveries to connections)
 * and the log lines written under it.
 */
export function renderWaterfall(trace: Trace): HTMLElement {
  const rows = waterfall(trace);
  const start = Math.min(...trace.spans.map((s) => s.startMs));
  const total = Math.max(1, Math.max(...trace.spans.map((s) => s.endMs)) - start);
  const logsBySpan = new Map<string, Log[]>();
  for (const log of trace.logs)
    if (log.spanId) logsBySpan.set(log.spanId, [...(logsBySpan.get(log.spanId) ?? []), log]);
  const list = el('ol', { className: 'waterfall', 'aria-label': 'Spans of the trace, in order' });
  for (const { span, depth } of rows) {
    const bar = el('div', { className: 'span-bar' });
    bar.style.left = `${((span.startMs - start) / total) * 100}%`;
    bar.style.width = `${Math.max(0.3, ((span.endMs - span.startMs) / total) * 100)}%`;
    const label = el(
      'div',
      { className: 'span-label' },
      el('span', { className: 'service' }, SHORT_SERVICE[span.service] ?? span.service),
      ' ',
      el('strong', {}, span.name),
    );
    label.style.paddingLeft = `${depth * 1.1}rem`;
    const details = el('ul', { className: 'span-details' });
    const summary = describe(span.attributes);
    if (summary) details.append(el('li', { className: 'attributes' }, summary));
    if (span.status === 'error' && span.statusMessage)
      details.append(el('li', { className: 'error' }, span.statusMessage));
    const items = [
      ...span.events
        .filter((e) => e.name !== 'exception' || !span.statusMessage)
        .map((e) => ({ at: e.timeMs, node: eventLine(e) })),
      ...(logsBySpan.get(span.spanId) ?? []).map((l) => ({ at: l.timeMs, node: logLine(l) })),
    ].sort((a, b) => a.at - b.at);
    for (const item of items) details.append(item.node);
    list.append(
      el(
        'li',
        { className: 'span', 'data-span-name': span.name, 'data-status': span.status, 'data-service': span.service },
        el(
          'div',
          { className: 'span-row' },
          label,
          el('div', { className: 'span-track' }, bar),
          el('div', { className: 'span-duration' }, duration(span.endMs - span.startMs)),
        ),
        details,
      ),
    );
  }
  return list;
}
