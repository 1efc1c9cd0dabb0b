import { Agent as HttpAgent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';

export type HttpCallOptions = {
  method: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  timeoutMs: number;
  /** The request target (path and query) sent as is, instead of the URL's own, which WHATWG URL has normalized. */
  path?: string;
};

export type HttpCallResult = { status: number; headers: IncomingHttpHeaders; body: Buffer };

// One keep-alive pool per protocol for the whole process. `fetch` would work too, but it costs several times
// more CPU per call (web streams, Request/Response objects), and these calls sit on the order path.
const agents = {
  'http:': new HttpAgent({ keepAlive: true }),
  'https:': new HttpsAgent({ keepAlive: true }),
};

/** One HTTP(S) request over pooled keep-alive connections; rejects on network errors and after `timeoutMs`. */
export function httpCall(url: URL, options: HttpCallOptions): Promise<HttpCallResult> {
  const protocol = url.protocol === 'https:' ? 'https:' : url.protocol === 'http:' ? 'http:' : undefined;
  if (!protocol) return Promise.reject(new Error(`Unsupported protocol ${url.protocol} in ${url.href}`));
  const send = protocol === 'https:' ? httpsRequest : httpRequest;
  const headers = { ...options.headers };
  if (options.body !== undefined) headers['Content-Length'] = String(Buffer.byteLength(options.body));
  return new Promise((resolve, reject) => {
    const target = options.path ?? `${url.pathname}${url.search}`;
    const req = send(url, { method: options.method, path: target, headers, agent: agents[protocol] }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.setTimeout(options.timeoutMs, () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    req.on('error', reject);
    req.end(options.body);
  });
}
