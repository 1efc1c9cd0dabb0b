import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { describeWriteError, isDiskFull } from '../shared/writeHealth.js';

/**
 * Answers a request whose write could not be made durable, as the table service answers errors (status,
 * `x-ms-error-code`, an `odata.error` body): 507 InsufficientStorage when the disk is full, else 500
 * InternalError. Both are 5xx, which the Table SDK retries and then reports with the code. Whatever the request
 * had put into the response is dropped; if the answer had begun already, the connection is cut instead.
 */
export function answerUnjournaled(res: ServerResponse, error: Error): void {
  if (res.headersSent) {
    res.destroy(error);
    return;
  }
  const full = isDiskFull(error);
  const code = full ? 'InsufficientStorage' : 'InternalError';
  const requestId = randomUUID();
  const message =
    (full
      ? 'The local stack could not save this write: its disk is full. Free some space; writes resume by themselves.'
      : 'The local stack could not save this write.') + ` (${describeWriteError(error)})`;
  const body = JSON.stringify({
    'odata.error': {
      code,
      message: { lang: 'en-US', value: `${message}\nRequestId:${requestId}\nTime:${new Date().toISOString()}` },
    },
  });
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  res.writeHead(full ? 507 : 500, {
    'content-type': 'application/json;odata=minimalmetadata;streaming=true;charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-ms-error-code': code,
    'x-ms-request-id': requestId,
  });
  res.end(body);
}
