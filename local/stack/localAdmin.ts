import type { IncomingMessage, ServerResponse } from 'node:http';
import { isLoopbackAddress } from '../shared/loopback.js';
import { sendProblem, type Problem } from '../shared/problemJson.js';
import type { ServiceBusBroker } from '../servicebus/index.js';

export type PartStatus = { name: string; url?: string; ready(): Promise<boolean> };

/** Every error `/_local/*` answers, in one place. */
const localProblems = {
  notLoopback: (): Problem => ({
    status: 403,
    detail: '/_local/* answers only clients on this machine (a loopback address).',
  }),
  otherOrigin: (origin: string): Problem => ({
    status: 403,
    detail: `/_local/* shows message bodies and answers only this site's own pages, not ${origin}.`,
  }),
  methodNotAllowed: (method: string, path: string): Problem => ({
    status: 405,
    detail: `${path} is read-only and does not answer ${method}; use GET or HEAD.`,
    headers: { Allow: 'GET, HEAD' },
  }),
  notFound: (path: string): Problem => ({
    status: 404,
    detail: `No local endpoint at ${path}; try /_local/health or /_local/servicebus.`,
  }),
};

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body, null, 2));
}

/**
 * Why a `/_local` request is refused: it must come from this machine (the socket's address, not a header), and
 * from no other web page, since the broker view holds message bodies. The host's CORS headers never make those
 * readable elsewhere, because other origins get a problem instead.
 */
function refusal(req: IncomingMessage): Problem | undefined {
  if (!isLoopbackAddress(req.socket.remoteAddress)) return localProblems.notLoopback();
  const origin = req.headers.origin;
  if (origin !== undefined && origin.toLowerCase() !== `http://${(req.headers.host ?? '').toLowerCase()}`) {
    return localProblems.otherOrigin(origin);
  }
  if (req.headers['sec-fetch-site'] === 'cross-site') return localProblems.otherOrigin('a page on another site');
  if (req.method !== 'GET' && req.method !== 'HEAD')
    return localProblems.methodNotAllowed(req.method ?? '', req.url ?? '');
  return undefined;
}

/**
 * `/_local/*`: what tests and people debugging need to see of the stack. Read-only: nothing here changes state,
 * so it cannot be used to bypass the app's own rules.
 */
export function localAdminMiddleware(parts: PartStatus[], broker: ServiceBusBroker) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const path = url.pathname;
    if (path !== '/_local' && !path.startsWith('/_local/')) return false;
    const refused = refusal(req);
    if (refused) sendProblem(res, refused);
    else if (path === '/_local/health') {
      const states = await Promise.all(
        parts.map(async (part) => ({ name: part.name, url: part.url, ready: await part.ready().catch(() => false) })),
      );
      const healthy = states.every((s) => s.ready);
      sendJson(res, healthy ? 200 : 503, { status: healthy ? 'healthy' : 'unhealthy', parts: states });
    } else if (path === '/_local/servicebus') {
      sendJson(res, 200, { entities: brokerView(broker) });
    } else {
      sendProblem(res, localProblems.notFound(path));
    }
    return true;
  };
}

function brokerView(broker: ServiceBusBroker) {
  return broker.stats().map((entity) => ({
    ...entity,
    deadLetters:
      entity.kind === 'deadLetter'
        ? broker.peek(entity.path, 20).map((m) => ({
            messageId: m.messageId,
            sequenceNumber: m.sequenceNumber,
            deliveryCount: m.deliveryCount,
            enqueuedTimeUtc: m.enqueuedTimeUtc,
            reason: m.applicationProperties?.DeadLetterReason,
            description: m.applicationProperties?.DeadLetterErrorDescription,
            body: Buffer.isBuffer(m.body) ? m.body.toString('base64') : m.body,
          }))
        : undefined,
  }));
}
