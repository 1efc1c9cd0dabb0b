import {
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Context,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { SeverityNumber, type Logger } from '@opentelemetry/api-logs';
import { TraceState } from '@opentelemetry/core';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { AlwaysOnSampler, TracerProvider } from '@opentelemetry/sdk-trace';
import { otlpProcessors, type OtlpTarget } from './otlpExport.js';
import { SwitchedLogProcessor, SwitchedSpanProcessor } from './switchedProcessors.js';
import { SpanStore, type SpanKindName } from './spanStore.js';
import { StoreLogProcessor, StoreSpanProcessor } from './storeProcessors.js';
import { formatTraceParent, parseTraceParent } from './traceParent.js';

/** The parts of the stack that emit telemetry; each is a service of its own in a trace viewer. */
export type TelemetryPart = 'host' | 'auth' | 'servicebus' | 'signalr';

export type SpanAttributes = Record<string, string | number | boolean | string[] | undefined>;

/** A parent: a span of this process, or a W3C traceparent that came from elsewhere (a header, a message). */
export type SpanParent = TelemetrySpan | string | undefined;

export type SpanOptions = {
  kind?: SpanKindName;
  parent?: SpanParent;
  /** The W3C tracestate that came with a traceparent parent. */
  traceState?: string;
  attributes?: SpanAttributes;
  /** Traceparents of related spans (the message a delivery belongs to, say). */
  links?: string[];
};

export type TelemetryLogLevel = 'trace' | 'debug' | 'information' | 'warning' | 'error' | 'critical';

export type TelemetryLog = {
  level: TelemetryLogLevel;
  category: string;
  message: string;
  invocationId?: string;
  /** The span the record belongs to; without it, the running invocation of `invocationId`, if any. */
  span?: TelemetrySpan;
};

const KINDS: Record<SpanKindName, SpanKind> = {
  internal: SpanKind.INTERNAL,
  server: SpanKind.SERVER,
  client: SpanKind.CLIENT,
  producer: SpanKind.PRODUCER,
  consumer: SpanKind.CONSUMER,
};

const SEVERITY: Record<TelemetryLogLevel, SeverityNumber> = {
  trace: SeverityNumber.TRACE,
  debug: SeverityNumber.DEBUG,
  information: SeverityNumber.INFO,
  warning: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
  critical: SeverityNumber.FATAL,
};

/** One span while it runs: what the instrumented parts call, so none of them touches OpenTelemetry itself. */
export class TelemetrySpan {
  readonly traceId: string;
  readonly spanId: string;

  constructor(readonly span: Span) {
    const context = span.spanContext();
    this.traceId = context.traceId;
    this.spanId = context.spanId;
  }

  /** Its W3C traceparent: what goes on the wire so the next hop continues the trace under this span. */
  get traceParent(): string {
    return formatTraceParent(this.traceId, this.spanId);
  }

  get traceState(): string | undefined {
    return this.span.spanContext().traceState?.serialize() || undefined;
  }

  rename(name: string): void {
    this.span.updateName(name);
  }

  set(attributes: SpanAttributes): this {
    for (const [key, value] of Object.entries(attributes)) if (value !== undefined) this.span.setAttribute(key, value);
    return this;
  }

  event(name: string, attributes: SpanAttributes = {}): void {
    this.span.addEvent(name, withoutUndefined(attributes));
  }

  /** Marks the span failed, recording the error as an `exception` event. */
  fail(error: unknown): void {
    const err = error instanceof Error ? error : new Error(String(error));
    this.span.recordException(err);
    this.span.setStatus({ code: SpanStatusCode.ERROR, message: err.message });
  }

  end(): void {
    this.span.end();
  }
}

function withoutUndefined(attributes: SpanAttributes): Record<string, string | number | boolean | string[]> {
  const out: Record<string, string | number | boolean | string[]> = {};
  for (const [key, value] of Object.entries(attributes)) if (value !== undefined) out[key] = value;
  return out;
}

export type TelemetryOptions = {
  /** `service.name` of the host and Easy Auth (the app's); default `functions-app`. */
  serviceName?: string;
  store?: SpanStore;
};

/**
 * The stack's telemetry on OpenTelemetry: one tracer provider per part (the app's host, the Service Bus and
 * SignalR emulators), every span and log record kept in the span store the inspector reads and, once `exportTo`
 * names an endpoint, exported over OTLP/HTTP too. Nothing is recorded while `recording` is false — no inspector
 * page open and no exporter — and instrumented parts check it before they build anything.
 */
export class Telemetry {
  readonly store: SpanStore;
  readonly #tracers: Record<TelemetryPart, Tracer>;
  readonly #providers: TracerProvider[];
  readonly #loggerProvider: LoggerProvider;
  readonly #logger: Logger;
  readonly #spanExport = new SwitchedSpanProcessor();
  readonly #logExport = new SwitchedLogProcessor();
  readonly #invocations = new Map<string, TelemetrySpan>();
  readonly #bound = new WeakMap<object, TelemetrySpan>();
  #exporting = false;
  #recording = false;

  constructor(options: TelemetryOptions = {}) {
    this.store = options.store ?? new SpanStore();
    const app = options.serviceName ?? 'functions-app';
    const services: Record<TelemetryPart, string> = {
      host: app,
      auth: app,
      servicebus: 'servicebus-emulator',
      signalr: 'signalr-emulator',
    };
    const spanProcessors = [new StoreSpanProcessor(this.store), this.#spanExport];
    const providers = new Map<string, TracerProvider>();
    for (const service of new Set(Object.values(services))) {
      const resource = resourceFromAttributes({ 'service.name': service, 'service.namespace': 'local-stack' });
      providers.set(service, new TracerProvider({ resource, spanProcessors, sampler: new AlwaysOnSampler() }));
    }
    this.#providers = [...providers.values()];
    const tracer = (part: TelemetryPart) => providers.get(services[part])!.getTracer(`local.${part}`);
    this.#tracers = {
      host: tracer('host'),
      auth: tracer('auth'),
      servicebus: tracer('servicebus'),
      signalr: tracer('signalr'),
    };
    this.#loggerProvider = new LoggerProvider({
      resource: resourceFromAttributes({ 'service.name': app, 'service.namespace': 'local-stack' }),
      processors: [new StoreLogProcessor(this.store), this.#logExport],
    });
    this.#logger = this.#loggerProvider.getLogger('local.host');
    this.store.onWatchersChanged(() => this.#update());
  }

  /** Whether anything is recorded now: an inspector page watches, or spans are exported. */
  get recording(): boolean {
    return this.#recording;
  }

  get exporting(): boolean {
    return this.#exporting;
  }

  /** Exports every later span and log record over OTLP/HTTP as well. */
  exportTo(target: OtlpTarget): void {
    const { spans, logs } = otlpProcessors(target);
    void this.#spanExport.replace(spans);
    void this.#logExport.replace(logs);
    this.#exporting = true;
    this.#update();
  }

  startSpan(part: TelemetryPart, name: string, options: SpanOptions = {}): TelemetrySpan {
    const links = (options.links ?? []).flatMap((link) => {
      const context = remoteContext(link, undefined);
      return context ? [{ context }] : [];
    });
    const span = this.#tracers[part].startSpan(
      name,
      { kind: KINDS[options.kind ?? 'internal'], attributes: withoutUndefined(options.attributes ?? {}), links },
      parentContext(options.parent, options.traceState),
    );
    return new TelemetrySpan(span);
  }

  /** A log record, under its span (or its running invocation's), when recording. */
  log(entry: TelemetryLog): void {
    if (!this.#recording) return;
    const span = entry.span ?? (entry.invocationId ? this.#invocations.get(entry.invocationId) : undefined);
    this.#logger.emit({
      severityNumber: SEVERITY[entry.level],
      severityText: entry.level,
      body: entry.message,
      attributes: {
        'log.category': entry.category,
        ...(entry.invocationId ? { 'faas.invocation_id': entry.invocationId } : {}),
      },
      context: span ? trace.setSpan(ROOT_CONTEXT, span.span) : ROOT_CONTEXT,
    });
  }

  /** The invocation's span while it runs, so its logs (from the host and the worker) land under it. */
  trackInvocation(invocationId: string, span: TelemetrySpan): void {
    this.#invocations.set(invocationId, span);
  }

  untrackInvocation(invocationId: string): void {
    this.#invocations.delete(invocationId);
  }

  /** Ties a span to an object (an HTTP request) for the parts that see the object later (middleware). */
  bind(key: object, span: TelemetrySpan): void {
    this.#bound.set(key, span);
  }

  spanOf(key: object): TelemetrySpan | undefined {
    return this.#bound.get(key);
  }

  /** Sends what is batched for export and stops exporting. */
  async shutdown(): Promise<void> {
    this.#exporting = false;
    this.#update();
    await Promise.all([...this.#providers.map((p) => p.shutdown()), this.#loggerProvider.shutdown()]);
  }

  #update(): void {
    this.#recording = this.#exporting || this.store.watched;
  }
}

function remoteContext(traceParent: string, traceState: string | undefined) {
  const parsed = parseTraceParent(traceParent);
  if (!parsed) return undefined;
  return {
    traceId: parsed.traceId,
    spanId: parsed.spanId,
    traceFlags: parsed.sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    isRemote: true,
    ...(traceState ? { traceState: new TraceState(traceState) } : {}),
  };
}

function parentContext(parent: SpanParent, traceState: string | undefined): Context {
  if (parent instanceof TelemetrySpan) return trace.setSpan(ROOT_CONTEXT, parent.span);
  const remote = parent === undefined ? undefined : remoteContext(parent, traceState);
  return remote ? trace.setSpanContext(ROOT_CONTEXT, remote) : ROOT_CONTEXT;
}
