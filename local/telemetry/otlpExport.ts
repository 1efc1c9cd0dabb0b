import { lazyModule } from '../shared/lazyModule.js';
import { BatchLogRecordProcessor, type LogRecordProcessor } from '@opentelemetry/sdk-logs';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace';

/** Where OTLP/HTTP goes: the base endpoint and the headers of every export (an API key, say). */
export type OtlpTarget = { endpoint: string; headers: Record<string, string> };

/**
 * The OTLP target the app settings name (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_HEADERS`), or undefined
 * when none is set. Throws, naming the setting, when a value cannot be used.
 */
export function otlpTarget(setting: (name: string) => string | undefined): OtlpTarget | undefined {
  const endpoint = setting('OTEL_EXPORTER_OTLP_ENDPOINT')?.trim();
  if (!endpoint) return undefined;
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    throw new Error(`OTEL_EXPORTER_OTLP_ENDPOINT '${endpoint}' is not a URL; set it to e.g. http://localhost:4318.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`OTEL_EXPORTER_OTLP_ENDPOINT '${endpoint}' must be an http(s) URL: the host exports OTLP/HTTP.`);
  }
  return { endpoint: endpoint.replace(/\/+$/, ''), headers: parseOtlpHeaders(setting('OTEL_EXPORTER_OTLP_HEADERS')) };
}

/** `key=value,key2=value2`, each part percent-decoded, as the OpenTelemetry SDKs read the headers setting. */
export function parseOtlpHeaders(text: string | undefined): Record<string, string> {
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const part of (text ?? '').split(',')) {
    if (part.trim() === '') continue;
    const at = part.indexOf('=');
    const name = at > 0 ? decode(part.slice(0, at)).trim() : '';
    if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
      throw new Error(`OTEL_EXPORTER_OTLP_HEADERS: '${part.trim()}' is not a key=value pair with a header name.`);
    }
    headers[name] = decode(part.slice(at + 1)).trim();
  }
  return headers;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new Error(`OTEL_EXPORTER_OTLP_HEADERS: '${text}' is not valid percent-encoding.`);
  }
}

// Loaded only when an endpoint is set: most runs export nothing.
const traceExporter = lazyModule<typeof import('@opentelemetry/exporter-trace-otlp-http')>(
  '@opentelemetry/exporter-trace-otlp-http',
);
const logExporter = lazyModule<typeof import('@opentelemetry/exporter-logs-otlp-http')>(
  '@opentelemetry/exporter-logs-otlp-http',
);

/** Batching exporters of spans (`<endpoint>/v1/traces`) and logs (`<endpoint>/v1/logs`), OTLP/HTTP with JSON. */
export function otlpProcessors(target: OtlpTarget): { spans: SpanProcessor; logs: LogRecordProcessor } {
  const options = (signal: string) => ({ url: `${target.endpoint}/v1/${signal}`, headers: { ...target.headers } });
  const { OTLPTraceExporter } = traceExporter();
  const { OTLPLogExporter } = logExporter();
  return {
    spans: new BatchSpanProcessor({ exporter: new OTLPTraceExporter(options('traces')), scheduledDelayMillis: 1000 }),
    logs: new BatchLogRecordProcessor({ exporter: new OTLPLogExporter(options('logs')), scheduledDelayMillis: 1000 }),
  };
}
