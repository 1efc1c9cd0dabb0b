import type { IncomingMessage } from 'node:http';
import type { RpcTypedData } from '../../../rpc/types.js';
import { fromRpcTypedData } from '../../codec/index.js';

/** An upstream call failed in a way the extension answers with a status code (and its message as reason). */
export class SignalRTriggerError extends Error {
  override name = 'SignalRTriggerError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The extension's `InvocationContext`, as it reaches a Node function: serialized by Newtonsoft with its property
 * names (PascalCase) and `null` for what the event does not carry.
 */
export type SignalRInvocationContext = {
  Arguments: unknown[] | null;
  Error: string | null;
  Category: string;
  Event: string;
  Hub: string;
  ConnectionId: string;
  UserId: string | null;
  Headers: Record<string, string>;
  Query: Record<string, string> | null;
  Claims: Record<string, string> | null;
};

/** A hub protocol Invocation as the client sent it (JSON hub protocol). */
export type UpstreamInvocation = { invocationId: string | undefined; target: string; arguments: unknown[] };

export type DispatchKey = { hub: string; category: string; event: string };

const RECORD_SEPARATOR = '\x1e';
export const JSON_CONTENT_TYPE = 'application/json';
export const MESSAGEPACK_CONTENT_TYPE = 'application/x-msgpack';

/** .NET keeps these in `HttpContent.Headers`, so they are not among the request headers the context carries. */
const CONTENT_HEADERS = new Set(['allow', 'expires', 'last-modified']);

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The media type of the request, lower-cased and without parameters; '' when absent. */
export function mediaType(req: IncomingMessage): string {
  return (header(req, 'content-type') ?? '').split(';')[0]!.trim().toLowerCase();
}

/** X-ASRS-Hub, -Category and -Event, or undefined when any is missing or empty (the extension answers 400). */
export function dispatchKey(req: IncomingMessage): DispatchKey | undefined {
  const hub = header(req, 'x-asrs-hub');
  const category = header(req, 'x-asrs-category');
  const event = header(req, 'x-asrs-event');
  return hub && category && event ? { hub, category, event } : undefined;
}

/** `?a=1&a=2&b` → `{ a: '1,2', b: '' }` (ASP.NET QueryHelpers joins repeats with commas); null when empty. */
function parseQuery(text: string | undefined): Record<string, string> | null {
  if (!text) return null;
  const query: Record<string, string> = Object.create(null) as Record<string, string>; // keys from the client
  for (const [key, value] of new URLSearchParams(text)) {
    query[key] = key in query ? `${query[key]},${value}` : value;
  }
  return query;
}

/** `type: value, type: value` → the first value of each claim type; null when empty. */
function parseClaims(text: string | undefined): Record<string, string> | null {
  if (!text) return null;
  const claims: Record<string, string> = Object.create(null) as Record<string, string>; // types from the token
  for (const item of text.split(',')) {
    const parts = item.split(': ').filter((p) => p !== '');
    if (parts.length !== 2) continue;
    const type = parts[0]!.trim();
    if (!(type in claims)) claims[type] = parts[1]!.trim();
  }
  return claims;
}

function requestHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name.startsWith('content-') || CONTENT_HEADERS.has(name)) continue;
    headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

/** The context of one upstream call, built from its `X-ASRS-*` headers as the extension's request resolver does. */
export function invocationContext(req: IncomingMessage, key: DispatchKey): SignalRInvocationContext {
  const connectionId = header(req, 'x-asrs-connection-id');
  if (!connectionId) throw new SignalRTriggerError(500, 'The upstream request has no X-ASRS-Connection-Id header.');
  return {
    Arguments: null,
    Error: null,
    Category: key.category,
    Event: key.event,
    Hub: key.hub,
    ConnectionId: connectionId,
    UserId: header(req, 'x-asrs-user-id') ?? null,
    Headers: requestHeaders(req),
    Query: parseQuery(header(req, 'x-asrs-client-query')),
    Claims: parseClaims(header(req, 'x-asrs-user-claims')),
  };
}

function firstRecord(body: Buffer, contentType: string): Record<string, unknown> {
  if (contentType === MESSAGEPACK_CONTENT_TYPE) {
    throw new SignalRTriggerError(
      500,
      'MessagePack upstream bodies are not supported by the local host; the local SignalR service sends JSON.',
    );
  }
  const record = body.toString('utf8').split(RECORD_SEPARATOR)[0]?.trim();
  let value: unknown;
  try {
    value = record ? JSON.parse(record) : undefined;
  } catch {
    // handled below
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new SignalRTriggerError(500, 'Parsing message failed: the body is not a JSON hub protocol message.');
  }
  return value as Record<string, unknown>;
}

/** The `Error` of a disconnected event body (`{"type":11,"error":"…"}`; the emulator writes PascalCase). */
export function closeError(body: Buffer, contentType: string): string | null {
  const message = firstRecord(body, contentType);
  const key = Object.keys(message).find((k) => k.toLowerCase() === 'error');
  const error = key === undefined ? undefined : message[key];
  return typeof error === 'string' ? error : null;
}

/** The client's Invocation from a messages event body; its target must be the event the call was routed by. */
export function invocationMessage(body: Buffer, contentType: string, event: string): UpstreamInvocation {
  const message = firstRecord(body, contentType);
  const { type, invocationId, target } = message;
  if (type !== 1 || typeof target !== 'string' || !Array.isArray(message.arguments)) {
    throw new SignalRTriggerError(500, 'Parsing message failed: the body is not a hub protocol Invocation.');
  }
  if (target.toLowerCase() !== event.toLowerCase()) {
    throw new SignalRTriggerError(500, `The invocation target '${target}' is not the event '${event}'.`);
  }
  return {
    invocationId: typeof invocationId === 'string' && invocationId !== '' ? invocationId : undefined,
    target,
    arguments: message.arguments as unknown[],
  };
}

/** A JSON hub protocol Completion record, as the extension writes it for an `invoke()`. */
export function completionRecord(invocationId: string, outcome: { result: unknown } | { error: string }): string {
  return JSON.stringify({ type: 3, invocationId, ...outcome }) + RECORD_SEPARATOR;
}

/** The worker's return value as the host holds it (bytes become base64, as Newtonsoft writes a byte array). */
export function fromReturnValue(data: RpcTypedData | null | undefined): unknown {
  const value = fromRpcTypedData(data);
  return Buffer.isBuffer(value) ? value.toString('base64') : (value ?? null);
}
