import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ServiceBusBroker } from '../servicebus/index.js';

export type PartStatus = { name: string; url?: string; ready(): Promise<boolean> };

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body, null, 2));
}

/**
 * `/_local/*`: what tests and people debugging need to see of the stack. Read-only: nothing here changes state,
 * so it cannot be used to bypass the app's own rules.
 */
export function localAdminMiddleware(parts: PartStatus[], broker: ServiceBusBroker) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!path.startsWith('/_local/')) return false;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' });
      res.end();
      return true;
    }
    if (path === '/_local/health') {
      const states = await Promise.all(
        parts.map(async (part) => ({ name: part.name, url: part.url, ready: await part.ready().catch(() => false) })),
      );
      const healthy = states.every((s) => s.ready);
      sendJson(res, healthy ? 200 : 503, { status: healthy ? 'healthy' : 'unhealthy', parts: states });
    } else if (path === '/_local/servicebus') {
      const entities = broker.stats().map((entity) => ({
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
      sendJson(res, 200, { entities });
    } else {
      sendJson(res, 404, { error: `No local endpoint at ${path}; try /_local/health or /_local/servicebus.` });
    }
    return true;
  };
}
