import { SpanKind, SpanStatusCode, type Attributes, type HrTime } from '@opentelemetry/api';
import type { AnyValueMap } from '@opentelemetry/api-logs';
import type { LogRecordProcessor, SdkLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import type { SpanKindName, SpanStore, StoredAttributes } from './spanStore.js';

const KINDS: Record<SpanKind, SpanKindName> = {
  [SpanKind.INTERNAL]: 'internal',
  [SpanKind.SERVER]: 'server',
  [SpanKind.CLIENT]: 'client',
  [SpanKind.PRODUCER]: 'producer',
  [SpanKind.CONSUMER]: 'consumer',
};

const toMs = ([seconds, nanos]: HrTime): number => seconds * 1000 + nanos / 1e6;

function plain(attributes: Attributes | AnyValueMap | undefined): StoredAttributes {
  const out: StoredAttributes = Object.create(null) as StoredAttributes;
  for (const [key, value] of Object.entries(attributes ?? {})) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') out[key] = value;
    else if (Array.isArray(value)) out[key] = value as StoredAttributes[string];
  }
  return out;
}

/** Copies every finished span into the store, as plain data the inspector can send as JSON. */
export class StoreSpanProcessor implements SpanProcessor {
  constructor(readonly store: SpanStore) {}

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    const context = span.spanContext();
    const code = span.status.code;
    this.store.addSpan({
      traceId: context.traceId,
      spanId: context.spanId,
      parentSpanId: span.parentSpanContext?.spanId,
      name: span.name,
      kind: KINDS[span.kind],
      service: String(span.resource.attributes['service.name'] ?? ''),
      startMs: toMs(span.startTime),
      endMs: toMs(span.endTime),
      status: code === SpanStatusCode.ERROR ? 'error' : code === SpanStatusCode.OK ? 'ok' : 'unset',
      statusMessage: span.status.message,
      attributes: plain(span.attributes),
      events: span.events.map((event) => ({
        name: event.name,
        timeMs: toMs(event.time),
        attributes: plain(event.attributes),
      })),
      links: span.links.map((link) => ({ traceId: link.context.traceId, spanId: link.context.spanId })),
    });
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** Copies every log record into the store, under its trace when it has one. */
export class StoreLogProcessor implements LogRecordProcessor {
  constructor(readonly store: SpanStore) {}

  onEmit(record: SdkLogRecord): void {
    const attributes = plain(record.attributes);
    const invocationId = attributes['faas.invocation_id'];
    this.store.addLog({
      timeMs: toMs(record.hrTime),
      traceId: record.spanContext?.traceId,
      spanId: record.spanContext?.spanId,
      level: record.severityText ?? 'information',
      category: String(attributes['log.category'] ?? ''),
      message: String(record.body ?? ''),
      ...(typeof invocationId === 'string' ? { invocationId } : {}),
    });
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}
