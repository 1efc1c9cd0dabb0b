import { httpCall } from '../../shared/httpCall.js';

/**
 * Whether something answers at `url` without a server error, within 2 s. On the pooled `node:http` client, not
 * `fetch`: the first health check at start-up would otherwise wait for Node to load undici.
 */
export async function reachable(url: string): Promise<boolean> {
  try {
    return (await httpCall(new URL(url), { method: 'GET', timeoutMs: 2000 })).status < 500;
  } catch {
    return false;
  }
}
