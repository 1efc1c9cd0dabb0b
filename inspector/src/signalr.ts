import { getJson } from './api.js';
import { clock, el, table } from './dom.js';
import type { TraceModel } from './model.js';
import type { Span } from './types.js';

type Connection = {
  hub: string;
  connectionId: string;
  userId?: string;
  transport?: string;
  groups: string[];
  connectedAt: string;
};

const SENDS = new Set(['broadcast', 'sendToUser', 'sendToGroup', 'sendToConnection']);

function audience(span: Span): string {
  const a = span.attributes;
  if (a['signalr.audience'] === 'all') return 'all';
  const name = a['signalr.group'] ?? a['signalr.user'] ?? a['signalr.connection_id'];
  return `${String(a['signalr.audience'])} ${String(name ?? '')}`;
}

function receivers(span: Span): string {
  const delivered = span.events.filter((e) => e.name === 'delivered');
  if (delivered.length === 0) return 'nobody';
  return delivered
    .map(
      (e) =>
        `${String(e.attributes['signalr.connection_id'])} (${String(e.attributes['enduser.id'] ?? '—')}, ${String(e.attributes['signalr.transport'])})`,
    )
    .join(', ');
}

/**
 * The SignalR view, as Azure's Live Trace Tool shows a service: live connections (user, transport, groups,
 * connect time), the messages sent with their target, audience and the connections that got them, and the
 * connection and group events.
 */
export class SignalRView {
  constructor(
    readonly root: HTMLElement,
    readonly model: TraceModel,
    readonly openTrace: (traceId: string) => void,
  ) {}

  async refresh(): Promise<void> {
    const { connections } = await getJson<{ connections: Connection[] }>('/_local/api/signalr');
    const spans = this.model
      .spans()
      .filter((s) => s.service === 'signalr-emulator')
      .sort((a, b) => b.startMs - a.startMs);
    const sends = spans.filter((s) => SENDS.has(String(s.attributes['signalr.operation'])));
    const events = spans.filter((s) => !SENDS.has(String(s.attributes['signalr.operation']))).slice(0, 100);
    const link = (s: Span, text: string) => {
      const a = el('a', { href: '#', 'data-trace-id': s.traceId }, text);
      a.addEventListener('click', (e) => {
        e.preventDefault();
        this.openTrace(s.traceId);
      });
      return a;
    };
    this.root.replaceChildren(
      el('h2', {}, `Connections (${connections.length})`),
      table(
        ['hub', 'connection', 'user', 'transport', 'groups', 'connected at'],
        connections.map((c) => [
          c.hub,
          c.connectionId,
          c.userId ?? '—',
          c.transport ?? '—',
          c.groups.join(', '),
          c.connectedAt,
        ]),
        { id: 'signalr-connections', className: 'connections' },
      ),
      el('h2', {}, 'Messages'),
      table(
        ['time', 'target', 'audience', 'delivered to', 'trace'],
        sends
          .slice(0, 100)
          .map((s) => [
            clock(s.startMs),
            String(s.attributes['signalr.target'] ?? ''),
            audience(s),
            receivers(s),
            link(s, 'open'),
          ]),
        { id: 'signalr-messages', className: 'messages' },
      ),
      el('h2', {}, 'Connection and group events'),
      table(
        ['time', 'event', 'user', 'connection', 'details'],
        events.map((s) => [
          clock(s.startMs),
          s.name.replace(/^SignalR /, ''),
          String(s.attributes['enduser.id'] ?? s.attributes['signalr.user'] ?? '—'),
          String(s.attributes['signalr.connection_id'] ?? ''),
          [
            s.attributes['signalr.transport'],
            s.attributes['signalr.group'],
            s.events
              .filter((e) => e.name === 'joined')
              .map((e) => `joined ${String(e.attributes['signalr.connection_id'])}`)
              .join(', '),
          ]
            .filter(Boolean)
            .join(' · '),
        ]),
        { id: 'signalr-events', className: 'events' },
      ),
    );
  }
}
