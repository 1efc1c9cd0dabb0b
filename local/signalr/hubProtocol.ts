/** The JSON hub protocol's framing and the messages this service writes (ASP.NET Core SignalR HubProtocol.md). */
import { webSocketTextFrame } from './transports/webSocketFrame.js';

export const RECORD_SEPARATOR = '\x1e';

export const MessageType = {
  Invocation: 1,
  StreamItem: 2,
  Completion: 3,
  StreamInvocation: 4,
  CancelInvocation: 5,
  Ping: 6,
  Close: 7,
  Ack: 8,
  Sequence: 9,
} as const;

export interface HubMessage {
  type: number;
  invocationId?: string;
  target?: string;
  arguments?: unknown[];
  result?: unknown;
  error?: string;
}

/**
 * One serialized message, shared by every recipient so a fan-out serializes once. The SSE and WebSocket framings
 * are derived lazily and cached for the same reason.
 */
export class OutboundFrame {
  #sse: Buffer | undefined;
  #webSocket: Buffer | undefined;
  constructor(readonly text: Buffer) {}

  static of(message: object): OutboundFrame {
    return new OutboundFrame(Buffer.from(JSON.stringify(message) + RECORD_SEPARATOR, 'utf8'));
  }

  static invocation(target: string, args: readonly unknown[]): OutboundFrame {
    return OutboundFrame.of({ type: MessageType.Invocation, target, arguments: args });
  }

  static close(error: string | undefined, allowReconnect: boolean): OutboundFrame {
    return OutboundFrame.of({ type: MessageType.Close, ...(error ? { error } : {}), allowReconnect });
  }

  /** `data:` lines per LF-separated line, then a blank line (TransportProtocols.md, SSE). */
  get sse(): Buffer {
    if (!this.#sse) {
      const lines = this.text.toString('utf8').split('\n');
      this.#sse = Buffer.from(lines.map((line) => `data: ${line.replace(/\r$/, '')}\r\n`).join('') + '\r\n', 'utf8');
    }
    return this.#sse;
  }

  /** The record as one WebSocket text frame, header included. */
  get webSocket(): Buffer {
    return (this.#webSocket ??= webSocketTextFrame(this.text));
  }
}

export const PING_FRAME = OutboundFrame.of({ type: MessageType.Ping });
export const HANDSHAKE_OK_FRAME = new OutboundFrame(Buffer.from('{}' + RECORD_SEPARATOR, 'utf8'));

/** Splits received text into whole records, keeping an unterminated tail for the next chunk. */
export function splitRecords(pending: string, chunk: string): { records: string[]; rest: string } {
  const parts = (pending + chunk).split(RECORD_SEPARATOR);
  const rest = parts.pop() ?? '';
  return { records: parts.filter((p) => p.length > 0), rest };
}

export class ProtocolError extends Error {
  override name = 'ProtocolError';
}

/** Parses one hub message record, validating what the service acts on. */
export function parseHubMessage(record: string): HubMessage {
  let value: unknown;
  try {
    value = JSON.parse(record);
  } catch {
    throw new ProtocolError('a message is not valid JSON');
  }
  if (!value || typeof value !== 'object' || typeof (value as HubMessage).type !== 'number') {
    throw new ProtocolError('a message has no numeric "type"');
  }
  const message = value as HubMessage;
  if (message.type === MessageType.Invocation || message.type === MessageType.StreamInvocation) {
    if (typeof message.target !== 'string' || message.target === '') {
      throw new ProtocolError('an invocation has no "target"');
    }
    if (!Array.isArray(message.arguments)) throw new ProtocolError('an invocation has no "arguments" array');
    if (message.invocationId !== undefined && typeof message.invocationId !== 'string') {
      throw new ProtocolError('an invocation has a non-string "invocationId"');
    }
  }
  return message;
}

export type HandshakeResult = { ok: true } | { ok: false; error: string };

/** Checks the handshake request record `{"protocol":"json","version":1}`. */
export function checkHandshake(record: string): HandshakeResult {
  let request: { protocol?: unknown; version?: unknown };
  try {
    request = JSON.parse(record) as typeof request;
  } catch {
    return { ok: false, error: 'Handshake request is not valid JSON.' };
  }
  if (typeof request?.protocol !== 'string' || typeof request.version !== 'number') {
    return { ok: false, error: 'Handshake request needs a string "protocol" and a numeric "version".' };
  }
  if (request.protocol !== 'json') {
    return {
      ok: false,
      error: `Requested protocol '${request.protocol}' is not available. The local SignalR service supports only 'json'.`,
    };
  }
  if (request.version < 1 || request.version > 2) {
    return { ok: false, error: `The server does not support version ${request.version} of the 'json' protocol.` };
  }
  return { ok: true };
}

export function handshakeErrorFrame(error: string): OutboundFrame {
  return OutboundFrame.of({ error });
}
