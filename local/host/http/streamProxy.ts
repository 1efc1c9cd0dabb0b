import { request, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';

/** The header the Node library parks a proxied request under (its `httpProxy.ts`). */
export const INVOCATION_ID_HEADER = 'x-ms-invocation-id';

// Hop-by-hop headers belong to one connection, so they are not passed on (as a reverse proxy does).
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function forwardable(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const [name, value] of Object.entries(headers)) {
    if (!HOP_BY_HOP.has(name) && name !== INVOCATION_ID_HEADER && value !== undefined) out[name] = value;
  }
  return out;
}

export type WorkerProxy = {
  /** Settles once the worker's response has been passed on whole (or the exchange failed). */
  readonly done: Promise<void>;
  /** Gives up on the exchange: the invocation failed, so nothing more will come. */
  abort(): void;
};

/**
 * HTTP streaming: the client's request goes to the worker's own HTTP server (`HttpUri`) as it arrives, tagged with
 * the invocation id, and the worker's response comes back to the client as it is written — in both directions
 * chunk by chunk, with nothing buffered whole, as the host's proxy does for a worker that advertises `HttpUri`.
 */
export function proxyToWorker(
  httpUri: string,
  invocationId: string,
  client: { req: IncomingMessage; res: ServerResponse; extraHeaders: Readonly<Record<string, string>> },
): WorkerProxy {
  const { req, res } = client;
  const target = new URL(req.url ?? '/', httpUri);
  const upstream = request(target, {
    method: req.method,
    headers: {
      ...forwardable(req.headers),
      [INVOCATION_ID_HEADER]: invocationId,
      'x-forwarded-host': req.headers.host ?? target.host,
      'x-forwarded-proto': 'http',
      'x-forwarded-for': req.socket.remoteAddress ?? '',
    },
  });
  const done = new Promise<void>((resolve, reject) => {
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode ?? 200, { ...client.extraHeaders, ...forwardable(answer.headers) });
      answer.pipe(res);
      answer.on('end', () => resolve());
      answer.on('error', reject);
    });
    upstream.on('error', reject);
    res.on('close', () => (res.writableFinished ? resolve() : reject(new Error('The client went away.'))));
  });
  done.catch(() => undefined); // awaited by the invoker; a rejection here must not go unhandled meanwhile
  req.pipe(upstream);
  return { done, abort: () => upstream.destroy() };
}
