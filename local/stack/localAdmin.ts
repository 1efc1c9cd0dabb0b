import type { IncomingMessage, ServerResponse } from 'node:http';
import { localProblems, localRefusal, type InspectorHandler } from '../inspector/index.js';
import { sendProblem } from '../shared/problemJson.js';
import type { ServiceBusBroker } from '../servicebus/index.js';
import { notStarted } from './services/stackServices.js';

export type PartStatus = { name: string; url?: string; ready(): Promise<boolean> };

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body, null, 2));
}

const READ = ['GET', 'HEAD'];

/**
 * `/_local/*`: what tests and people debugging need to see of the stack — health, the broker's JSON view, and the
 * inspector (its page, views and actions). Loopback and same-origin only; only the inspector's actions change
 * state, and they need the master key.
 */
export function localAdminMiddleware(
  parts: () => PartStatus[],
  broker: () => ServiceBusBroker | undefined,
  inspector: InspectorHandler,
) {
  return async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const path = url.pathname;
    if (path !== '/_local' && !path.startsWith('/_local/')) return false;
    const refused = localRefusal(req);
    if (refused) {
      sendProblem(res, refused);
      return true;
    }
    if (path === '/_local') {
      res.writeHead(301, { Location: '/_local/', 'Content-Length': '0' }).end();
      return true;
    }
    if (await inspector(req, res, url, path.slice('/_local'.length))) return true;
    const method = (req.method ?? 'GET').toUpperCase();
    if (!READ.includes(method)) {
      sendProblem(res, localProblems.methodNotAllowed(method, path, READ));
    } else if (path === '/_local/health') {
      const states = await Promise.all(
        parts().map(async (part) => ({ name: part.name, url: part.url, ready: await part.ready().catch(() => false) })),
      );
      const healthy = states.every((s) => s.ready);
      sendJson(res, healthy ? 200 : 503, { status: healthy ? 'healthy' : 'unhealthy', parts: states });
    } else if (path === '/_local/servicebus') {
      const running = broker();
      if (running) sendJson(res, 200, { entities: brokerView(running) });
      else sendProblem(res, localProblems.unavailable('The Service Bus view', notStarted('serviceBus').message));
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
