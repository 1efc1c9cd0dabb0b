import { connect, type Socket } from 'node:net';

export type HttpResponse = { status: number; headers: Record<string, string>; body: string };

export type RequestSpec = {
  method: string;
  /** Absolute http:// URL on 127.0.0.1. */
  url: string;
  headers?: Record<string, string>;
  body?: string;
};

/** Serializes a request once, so a load loop writes the same bytes again and again. */
export function encodeRequest(spec: RequestSpec): Buffer {
  const url = new URL(spec.url);
  if (url.protocol !== 'http:') throw new Error(`only http:// URLs are supported, got ${spec.url}`);
  const body = spec.body === undefined ? undefined : Buffer.from(spec.body, 'utf8');
  const lines = [`${spec.method} ${url.pathname}${url.search} HTTP/1.1`, `Host: ${url.host}`, 'Connection: keep-alive'];
  for (const [name, value] of Object.entries(spec.headers ?? {})) lines.push(`${name}: ${value}`);
  if (body) lines.push(`Content-Length: ${body.length}`);
  const head = Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1');
  return body ? Buffer.concat([head, body]) : head;
}

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * One keep-alive HTTP/1.1 connection, one request at a time. Deliberately minimal (Content-Length and chunked
 * bodies, no pipelining): a load generator that costs less than node:http's client, so it is not the bottleneck.
 */
export class HttpConnection {
  readonly #socket: Socket;
  #buffer: Buffer = Buffer.alloc(0);
  #waiter: { resolve(response: HttpResponse): void; reject(error: Error): void } | undefined;
  #closed = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk]);
      this.#parse();
    });
    const fail = (error: Error): void => {
      this.#closed = true;
      const waiter = this.#waiter;
      this.#waiter = undefined;
      waiter?.reject(error);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('connection closed by the server')));
  }

  static open(url: string): Promise<HttpConnection> {
    const { hostname, port } = new URL(url);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: hostname === 'localhost' ? '127.0.0.1' : hostname, port: Number(port) });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new HttpConnection(socket));
      });
    });
  }

  get closed(): boolean {
    return this.#closed;
  }

  send(request: Buffer): Promise<HttpResponse> {
    if (this.#waiter) throw new Error('HttpConnection: one request at a time');
    if (this.#closed) return Promise.reject(new Error('connection is closed'));
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
      this.#socket.write(request);
    });
  }

  close(): void {
    this.#closed = true;
    this.#socket.destroy();
  }

  #parse(): void {
    const end = this.#buffer.indexOf(HEADER_END);
    if (end < 0) return;
    const head = this.#buffer.toString('latin1', 0, end).split('\r\n');
    const status = Number(head[0]!.split(' ')[1]);
    const headers: Record<string, string> = {};
    for (const line of head.slice(1)) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const bodyStart = end + HEADER_END.length;
    let body: Buffer;
    let consumed: number;
    if (headers['transfer-encoding']?.includes('chunked')) {
      const chunked = decodeChunked(this.#buffer, bodyStart);
      if (!chunked) return;
      ({ body, consumed } = chunked);
    } else {
      const length = Number(headers['content-length'] ?? 0);
      if (this.#buffer.length < bodyStart + length) return;
      body = this.#buffer.subarray(bodyStart, bodyStart + length);
      consumed = bodyStart + length;
    }
    this.#buffer = this.#buffer.subarray(consumed);
    const waiter = this.#waiter;
    this.#waiter = undefined;
    waiter?.resolve({ status, headers, body: body.toString('utf8') });
  }
}

/** The body of a complete chunked message starting at `start`, or undefined if more bytes are needed. */
function decodeChunked(buffer: Buffer, start: number): { body: Buffer; consumed: number } | undefined {
  const parts: Buffer[] = [];
  let at = start;
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', at, 'latin1');
    if (lineEnd < 0) return undefined;
    const size = parseInt(buffer.toString('latin1', at, lineEnd), 16);
    const dataStart = lineEnd + 2;
    if (size === 0) {
      const trailerEnd = buffer.indexOf('\r\n', dataStart, 'latin1');
      if (trailerEnd < 0) return undefined;
      return { body: Buffer.concat(parts), consumed: trailerEnd + 2 };
    }
    if (buffer.length < dataStart + size + 2) return undefined;
    parts.push(buffer.subarray(dataStart, dataStart + size));
    at = dataStart + size + 2;
  }
}

/** One request on a fresh connection (setup calls: sign-in, negotiate). */
export async function httpRequest(spec: RequestSpec): Promise<HttpResponse> {
  const connection = await HttpConnection.open(spec.url);
  try {
    return await connection.send(encodeRequest(spec));
  } finally {
    connection.close();
  }
}
