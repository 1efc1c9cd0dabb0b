import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

/**
 * Whether the request carries the host's master key: the `x-functions-key` header, which wins, or else `?code=`
 * when `url` is given (the admin API's two forms, as in the Functions host). Compared in constant time.
 */
export function hasMasterKey(req: IncomingMessage, masterKey: string, url?: URL): boolean {
  const header = req.headers['x-functions-key'];
  const given = typeof header === 'string' ? header : (url?.searchParams.get('code') ?? '');
  const a = Buffer.from(given);
  const b = Buffer.from(masterKey);
  return a.length === b.length && timingSafeEqual(a, b);
}
