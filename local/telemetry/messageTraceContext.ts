/**
 * W3C trace context on Service Bus messages, as the Azure SDKs carry it in application properties: every SDK
 * writes `Diagnostic-Id` (a traceparent value); the .NET SDK, which the Functions host's Service Bus extension
 * uses, also writes `traceparent` and `tracestate`, and reads those first. A message that already carries a
 * context keeps it.
 */
export const DIAGNOSTIC_ID = 'Diagnostic-Id';
export const TRACE_PARENT = 'traceparent';
export const TRACE_STATE = 'tracestate';

type Properties = Readonly<Record<string, unknown>> | undefined;

export type MessageTraceContext = { traceParent: string; traceState?: string };

/** The context a message carries, read as the .NET SDK does: `traceparent` (+ `tracestate`), else `Diagnostic-Id`. */
export function messageTraceContext(properties: Properties): MessageTraceContext | undefined {
  if (!properties) return undefined;
  const traceParent = Object.hasOwn(properties, TRACE_PARENT) ? properties[TRACE_PARENT] : undefined;
  if (typeof traceParent === 'string') {
    const traceState = Object.hasOwn(properties, TRACE_STATE) ? properties[TRACE_STATE] : undefined;
    return typeof traceState === 'string' ? { traceParent, traceState } : { traceParent };
  }
  const diagnosticId = Object.hasOwn(properties, DIAGNOSTIC_ID) ? properties[DIAGNOSTIC_ID] : undefined;
  return typeof diagnosticId === 'string' ? { traceParent: diagnosticId } : undefined;
}

/** The properties with `context` added, unless they already carry one (then they are returned as they are). */
export function withMessageTraceContext<P extends Record<string, string | number | boolean | null>>(
  properties: P | undefined,
  context: MessageTraceContext,
): P | Record<string, string | number | boolean | null> {
  if (properties && (Object.hasOwn(properties, DIAGNOSTIC_ID) || Object.hasOwn(properties, TRACE_PARENT))) {
    return properties;
  }
  const added: Record<string, string> = { [DIAGNOSTIC_ID]: context.traceParent, [TRACE_PARENT]: context.traceParent };
  if (context.traceState) added[TRACE_STATE] = context.traceState;
  return { ...properties, ...added };
}
