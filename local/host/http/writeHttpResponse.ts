import type { ServerResponse } from 'node:http';
import type { RpcHttpCookie, RpcHttpData } from '../../rpc/types.js';

/** Set-Cookie the way ASP.NET's `Response.Cookies.Append` writes it (path defaults to '/', value URL-encoded). */
export function formatSetCookie(cookie: RpcHttpCookie): string {
  const parts = [`${cookie.name ?? ''}=${encodeURIComponent(cookie.value ?? '')}`];
  const expires = cookie.expires?.value?.seconds;
  if (expires !== undefined && expires !== null) parts.push(`expires=${new Date(expires * 1000).toUTCString()}`);
  const maxAge = cookie.maxAge?.value;
  if (maxAge !== undefined && maxAge !== null) parts.push(`max-age=${Math.trunc(maxAge)}`);
  if (cookie.domain?.value) parts.push(`domain=${cookie.domain.value}`);
  parts.push(`path=${cookie.path?.value || '/'}`);
  if (cookie.secure?.value) parts.push('secure');
  if (cookie.sameSite === 'lax' || cookie.sameSite === 'strict') parts.push(`samesite=${cookie.sameSite}`);
  else if (cookie.sameSite === 'explicitNone') parts.push('samesite=none');
  if (cookie.httpOnly?.value) parts.push('httponly');
  return parts.join('; ');
}

function statusOf(http: RpcHttpData): number {
  const status = Number(http.statusCode ?? 200);
  if (!Number.isInteger(status) || status < 100 || status > 999) {
    throw new Error(`The HTTP response has an invalid status code '${http.statusCode}'.`);
  }
  return status;
}

/** Writes the worker's RpcHttp response: status, headers (no Content-Type unless given), cookies, body bytes. */
export function writeHttpResponse(res: ServerResponse, http: RpcHttpData | undefined): void {
  if (!http) {
    // The handler returned nothing: the host answers 200 with an empty body.
    res.statusCode = 200;
    res.setHeader('content-length', '0');
    res.end();
    return;
  }
  res.statusCode = statusOf(http);
  for (const [name, value] of Object.entries(http.headers ?? {})) res.setHeader(name, value);
  const cookies = (http.cookies ?? []).map(formatSetCookie);
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  const body =
    http.body?.bytes ??
    (http.body?.string !== undefined && http.body?.string !== null ? Buffer.from(http.body.string) : undefined);
  const bytes = body ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : Buffer.alloc(0);
  res.setHeader('content-length', String(bytes.length));
  res.end(bytes);
}
