import type { IncomingMessage } from 'node:http';
import type { Telemetry, TelemetrySpan } from '../telemetry/index.js';
import type { ServiceConnection } from './connection.js';

/** Deliveries listed one by one on a send's span; past this only the count (a broadcast to thousands). */
const MAX_LISTED_DELIVERIES = 100;
const MAX_ARGUMENTS_PREVIEW = 1000;

const AUDIENCES: Record<string, string> = {
  broadcast: 'all',
  sendToUser: 'user',
  sendToGroup: 'group',
  sendToConnection: 'connection',
};

/** Who a connection is, as spans and the inspector name it. */
export function describeConnection(connection: ServiceConnection): Record<string, string | undefined> {
  return {
    'signalr.connection_id': connection.id,
    'signalr.hub': connection.hub,
    'enduser.id': connection.userId,
    'signalr.transport': connection.transport?.kind,
  };
}

/**
 * The Live Trace Tool's events as spans: each REST call (under the `traceparent` its caller sent) with the
 * connections a message reached, and each connection's connect and disconnect. Nothing is built while telemetry
 * is off.
 */
export class SignalRTracing {
  constructor(readonly telemetry: Telemetry | undefined) {}

  /** A REST call's server span, or undefined when nothing records. */
  restCall(
    request: IncomingMessage,
    operation: string,
    hub: string,
    params: Readonly<Record<string, string>>,
  ): TelemetrySpan | undefined {
    const telemetry = this.telemetry;
    if (!telemetry?.recording) return undefined;
    const traceParent = request.headers.traceparent;
    const traceState = request.headers.tracestate;
    return telemetry.startSpan('signalr', `SignalR ${operation}`, {
      kind: 'server',
      parent: typeof traceParent === 'string' ? traceParent : undefined,
      traceState: typeof traceState === 'string' ? traceState : undefined,
      attributes: {
        'signalr.operation': operation,
        'signalr.hub': hub,
        'signalr.audience': AUDIENCES[operation],
        'signalr.user': params.user,
        'signalr.group': params.group,
        'signalr.connection_id': params.connection,
        'http.request.method': request.method,
      },
    });
  }

  /** The message a send carries: its target, and its arguments (shortened). */
  message(span: TelemetrySpan | undefined, target: string, args: unknown[]): void {
    if (!span) return;
    const text = JSON.stringify(args);
    span.set({
      'signalr.target': target,
      'signalr.arguments': text.length > MAX_ARGUMENTS_PREVIEW ? `${text.slice(0, MAX_ARGUMENTS_PREVIEW)}…` : text,
    });
  }

  /** The connections a send reached: each one as an event (the first hundred), and how many in all. */
  delivered(span: TelemetrySpan, connections: readonly ServiceConnection[]): void {
    span.set({ 'signalr.delivered': connections.length });
    for (const connection of connections.slice(0, MAX_LISTED_DELIVERIES)) {
      span.event('delivered', describeConnection(connection));
    }
  }

  /** A group membership a REST call changed for a live connection. */
  membership(span: TelemetrySpan | undefined, change: 'joined' | 'left', connection: ServiceConnection, group: string) {
    span?.event(change, { ...describeConnection(connection), 'signalr.group': group });
  }

  /** Returns the span's traceparent, which the upstream call carries (the app's signalRTrigger runs under it). */
  connected(connection: ServiceConnection): string | undefined {
    return this.#lifecycle('SignalR connect', connection, {
      'signalr.groups': [...(connection.groups ?? [])],
    });
  }

  disconnected(connection: ServiceConnection, error: string | undefined): string | undefined {
    return this.#lifecycle('SignalR disconnect', connection, { 'signalr.close_reason': error });
  }

  #lifecycle(
    name: string,
    connection: ServiceConnection,
    extra: Record<string, string | string[] | undefined>,
  ): string | undefined {
    const telemetry = this.telemetry;
    if (!telemetry?.recording) return undefined;
    const span = telemetry.startSpan('signalr', name, {
      kind: 'server',
      attributes: { ...describeConnection(connection), ...extra },
    });
    if (extra['signalr.close_reason']) span.fail(String(extra['signalr.close_reason']));
    span.end();
    return span.traceParent;
  }
}
