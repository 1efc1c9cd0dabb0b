import type { IncomingMessage, ServerResponse } from 'node:http';
import type { SpanStore } from '../telemetry/index.js';

const KEEP_ALIVE_MS = 15_000;

/**
 * `/_local/api/events`: Server-Sent Events — first a `snapshot` of every trace kept, then a `batch` of whatever is
 * recorded next, as it is. While a page listens, telemetry records (the store is watched).
 */
export function streamLiveEvents(req: IncomingMessage, res: ServerResponse, store: SpanStore): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-store',
    'X-Content-Type-Options': 'nosniff',
  });
  // A batch queued before the page went away may still arrive: nothing is written to a closed response.
  const write = (text: string) => {
    if (!res.writableEnded && !res.destroyed) res.write(text);
  };
  const send = (event: string, data: unknown) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  send('snapshot', { traces: store.traces(), looseLogs: store.looseLogs() });
  const unwatch = store.watch((batch) => send('batch', batch));
  const keepAlive = setInterval(() => write(': keep-alive\n\n'), KEEP_ALIVE_MS);
  keepAlive.unref();
  const stop = () => {
    unwatch();
    clearInterval(keepAlive);
  };
  req.once('close', stop);
  res.once('close', stop);
}
