import type { Context } from '@opentelemetry/api';
import type { LogRecordProcessor, SdkLogRecord } from '@opentelemetry/sdk-logs';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';

/**
 * A processor that hands on to the one it was last given, or to none: the providers are made before the host
 * has read whether to export (host.json and the app settings), and their processor list is fixed at construction.
 */
class Switched<P extends { forceFlush(): Promise<void>; shutdown(): Promise<void> }> {
  protected current: P | undefined;
  #shutDown = false;

  /** Uses `next` from now on; the one before is flushed and shut down. */
  async replace(next: P | undefined): Promise<void> {
    const previous = this.current;
    this.current = this.#shutDown ? undefined : next;
    if (this.#shutDown) await next?.shutdown();
    await previous?.shutdown();
  }

  forceFlush(): Promise<void> {
    return this.current?.forceFlush() ?? Promise.resolve();
  }

  /** Every provider shares this processor and shuts it down: the first time counts. */
  async shutdown(): Promise<void> {
    if (this.#shutDown) return;
    this.#shutDown = true;
    const current = this.current;
    this.current = undefined;
    await current?.shutdown();
  }
}

export class SwitchedSpanProcessor extends Switched<SpanProcessor> implements SpanProcessor {
  onStart(span: Span, parentContext: Context): void {
    this.current?.onStart(span, parentContext);
  }

  onEnd(span: ReadableSpan): void {
    this.current?.onEnd(span);
  }
}

export class SwitchedLogProcessor extends Switched<LogRecordProcessor> implements LogRecordProcessor {
  onEmit(record: SdkLogRecord, context?: Context): void {
    this.current?.onEmit(record, context);
  }
}
