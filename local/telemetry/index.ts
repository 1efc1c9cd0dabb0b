// The stack's telemetry: what instrumented parts (host, broker, SignalR service, Easy Auth) use, and what the
// inspector reads. Only this folder talks to OpenTelemetry.
export {
  Telemetry,
  TelemetrySpan,
  type SpanAttributes,
  type SpanOptions,
  type SpanParent,
  type TelemetryLog,
  type TelemetryLogLevel,
  type TelemetryOptions,
  type TelemetryPart,
} from './telemetry.js';
export {
  SpanStore,
  type SpanKindName,
  type SpanStoreLimits,
  type StoreBatch,
  type StoredAttributes,
  type StoredLog,
  type StoredSpan,
  type StoredTrace,
} from './spanStore.js';
export { otlpTarget, parseOtlpHeaders, type OtlpTarget } from './otlpExport.js';
export { continueTraceParent, formatTraceParent, newTraceParent, parseTraceParent } from './traceParent.js';
export {
  DIAGNOSTIC_ID,
  messageTraceContext,
  withMessageTraceContext,
  type MessageTraceContext,
} from './messageTraceContext.js';
