import { continueTraceParent, type Telemetry, type TelemetrySpan } from '../telemetry/index.js';
import type { RpcInvocationRequest } from '../rpc/types.js';
import type { FunctionInfo } from './core/functionIndex.js';
import type { TriggerInvocation } from './core/invocation.js';

/** OpenTelemetry's `faas.trigger` for the binding types the host knows of. */
const FAAS_TRIGGERS = new Map([
  ['httptrigger', 'http'],
  ['servicebustrigger', 'pubsub'],
  ['queuetrigger', 'pubsub'],
  ['eventhubtrigger', 'pubsub'],
  ['signalrtrigger', 'pubsub'],
  ['timertrigger', 'timer'],
  ['blobtrigger', 'datasource'],
  ['cosmosdbtrigger', 'datasource'],
]);

/** The invocation's span, a child of what triggered it, when telemetry records; else undefined (nothing built). */
export function startInvocationSpan(
  telemetry: Telemetry,
  fn: FunctionInfo,
  invocation: TriggerInvocation,
  invocationId: string,
): TelemetrySpan | undefined {
  if (!telemetry.recording) return undefined;
  return telemetry.startSpan('host', fn.name, {
    kind: invocation.parent === undefined ? 'server' : 'internal',
    parent: invocation.parent,
    traceState: invocation.traceState,
    attributes: {
      'faas.name': fn.name,
      'faas.trigger': FAAS_TRIGGERS.get(fn.trigger.type.toLowerCase()) ?? 'other',
      'faas.invocation_id': invocationId,
      'azure.functions.trigger_type': fn.trigger.type,
    },
  });
}

/**
 * The `traceContext` the worker gets, which the library hands the app as `context.traceContext`: the invocation's
 * span, so the app's own spans are its children. Unrecorded, the caller's trace still goes on under a span id of
 * its own, as the host's unsampled activities do.
 */
export function workerTraceContext(
  span: TelemetrySpan | undefined,
  invocation: TriggerInvocation,
): NonNullable<RpcInvocationRequest['traceContext']> {
  if (span) return { traceParent: span.traceParent, traceState: span.traceState ?? '', attributes: {} };
  const parent = typeof invocation.parent === 'string' ? invocation.parent : invocation.parent?.traceParent;
  return { traceParent: continueTraceParent(parent), traceState: invocation.traceState ?? '', attributes: {} };
}
