import { httpCall } from '../shared/httpCall.js';
import type { ServiceConnection } from './connection.js';
import { RECORD_SEPARATOR } from './hubProtocol.js';
import { computeUpstreamSignature } from './upstreamSignature.js';

export interface UpstreamOptions {
  /** Where events go, e.g. the Functions host's `http://localhost:7071/runtime/webhooks/signalr`. */
  url: string;
}

export type UpstreamCategory = 'connections' | 'messages';

export interface UpstreamReply {
  status: number;
  body: string;
}

/** Request timeout for one upstream call; the Functions host answers well within it. */
const UPSTREAM_TIMEOUT_MS = 100_000;

/** Posts serverless events to the app (`signalRTrigger`), with the `X-ASRS-*` headers Azure sends. */
export class UpstreamClient {
  failures = 0;

  constructor(
    private readonly options: UpstreamOptions,
    private readonly accessKey: string,
    private readonly log: (message: string) => void,
  ) {}

  /** `traceParent`: the connect's span, while telemetry records; the app's signalRTrigger continues it. */
  connected(connection: ServiceConnection, traceParent?: string): void {
    const body = JSON.stringify({ type: 10 });
    void this.#post(connection, 'connections', 'connected', body, 'application/json', traceParent);
  }

  disconnected(connection: ServiceConnection, error: string | undefined, traceParent?: string): void {
    const body = JSON.stringify({ type: 11, ...(error ? { error } : {}) });
    void this.#post(connection, 'connections', 'disconnected', body, 'application/json', traceParent);
  }

  /** A client invocation, passed on exactly as the client sent it. */
  invoke(connection: ServiceConnection, target: string, record: string): Promise<UpstreamReply | undefined> {
    return this.#post(connection, 'messages', target, record + RECORD_SEPARATOR, 'application/json');
  }

  async #post(
    connection: ServiceConnection,
    category: UpstreamCategory,
    event: string,
    body: string,
    contentType: string,
    traceParent?: string,
  ): Promise<UpstreamReply | undefined> {
    const headers: Record<string, string> = {
      'Content-Type': contentType,
      'X-ASRS-Hub': connection.hub,
      'X-ASRS-Category': category,
      'X-ASRS-Event': event,
      'X-ASRS-Connection-Id': connection.id,
      'X-ASRS-Signature': computeUpstreamSignature(connection.id, this.accessKey),
      'X-ASRS-User-Claims': formatClaims(connection.claims),
      'X-ASRS-Client-Query': connection.query,
    };
    if (connection.userId !== undefined) headers['X-ASRS-User-Id'] = connection.userId;
    if (traceParent !== undefined) headers.traceparent = traceParent;
    try {
      const response = await httpCall(new URL(this.options.url), {
        method: 'POST',
        headers,
        body,
        timeoutMs: UPSTREAM_TIMEOUT_MS,
      });
      const reply = { status: response.status, body: response.body.toString() };
      if (reply.status >= 300) {
        this.failures++;
        this.log(`upstream ${category}/${event} for ${connection.id} answered ${reply.status}`);
      }
      return reply;
    } catch (error) {
      this.failures++;
      this.log(`upstream ${category}/${event} to ${this.options.url} failed: ${(error as Error).message}`);
      return undefined;
    }
  }
}

/** `type: value` pairs joined by `, `, one per value of multi-valued claims. */
function formatClaims(claims: Record<string, unknown>): string {
  const pairs: string[] = [];
  for (const [type, value] of Object.entries(claims)) {
    for (const item of Array.isArray(value) ? value : [value]) pairs.push(`${type}: ${String(item)}`);
  }
  return pairs.join(', ');
}
