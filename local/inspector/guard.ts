import type { IncomingMessage } from 'node:http';
import { isLoopbackAddress } from '../shared/loopback.js';
import type { Problem } from '../shared/problemJson.js';
import { localProblems } from './localProblems.js';

/**
 * Why a `/_local` request is refused: it must come from this machine (the socket's address, not a header), and
 * from no other web page, since the views hold message bodies and orders. The host's CORS headers never make
 * those readable elsewhere, because other origins get a problem instead.
 */
export function localRefusal(req: IncomingMessage): Problem | undefined {
  if (!isLoopbackAddress(req.socket.remoteAddress)) return localProblems.notLoopback();
  const origin = req.headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `http://${(req.headers.host ?? '').toLowerCase()}`) {
    return localProblems.otherOrigin(origin);
  }
  if (req.headers['sec-fetch-site'] === 'cross-site') return localProblems.otherOrigin('a page on another site');
  return undefined;
}
