import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import type { RpcHttpData, RpcNullableString } from '../../rpc/types.js';

/**
 * Request headers keyed by lower-case name, repeated headers joined with ',' (ASP.NET StringValues). Headers that
 * middleware added, changed or removed on `req.headers` (compared with `before`, taken before it ran) win.
 */
export function collectHeaders(req: IncomingMessage, before: IncomingHttpHeaders): Record<string, string> {
  // Keys come from the client: a null prototype keeps a header named __proto__ or constructor an ordinary entry.
  const headers: Record<string, string> = Object.create(null) as Record<string, string>;
  const raw = req.rawHeaders;
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    const value = raw[i + 1] as string;
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  for (const name of Object.keys(headers)) if (req.headers[name] === undefined) delete headers[name];
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined && value !== before[name]) headers[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return headers;
}

/** Query parameters with case-insensitive keys (first spelling kept) and repeated values joined with ','. */
export function collectQuery(search: URLSearchParams): Record<string, string> {
  const query: Record<string, string> = Object.create(null) as Record<string, string>;
  const spelling = new Map<string, string>();
  for (const [key, value] of search) {
    const existing = spelling.get(key.toLowerCase());
    if (existing === undefined) {
      spelling.set(key.toLowerCase(), key);
      query[key] = value;
    } else {
      query[existing] = `${query[existing]},${value}`;
    }
  }
  return query;
}

/** `{ value }` per entry, in one loop: it runs three times per request. */
function nullable(map: Record<string, string>): Record<string, RpcNullableString> {
  // Keys come from the client: without a prototype, a header named __proto__ stays an ordinary entry.
  const out = Object.create(null) as Record<string, RpcNullableString>;
  for (const key of Object.keys(map)) out[key] = { value: map[key] as string };
  return out;
}

/**
 * The RpcHttp the host sends for a request, with the capabilities the Node worker advertises
 * (nullable maps, the body as bytes whenever there is one, with a Content-Length or chunked).
 */
export function toRpcHttpRequest(options: {
  req: IncomingMessage;
  url: URL;
  headers: Record<string, string>;
  query: Record<string, string>;
  params: Record<string, string>;
  body: Buffer | undefined;
}): RpcHttpData {
  const { req, url, headers, query, params, body } = options;
  const http: RpcHttpData = {
    method: req.method ?? 'GET',
    // Built from the checked host (see resolveRequestTarget), never from an unchecked Host header.
    url: `http://${url.host}${url.pathname}${url.search}`,
    nullableHeaders: nullable(headers),
    nullableQuery: nullable(query),
    nullableParams: nullable(params),
  };
  if (body && body.length > 0) http.body = { bytes: body };
  return http;
}
