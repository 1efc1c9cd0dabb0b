import type { IncomingMessage } from 'node:http';

export class BodyTooLargeError extends Error {
  constructor(limit: number) {
    super(`The request body is larger than the limit of ${limit} bytes.`);
  }
}

/** The default Kestrel/Functions host MaxRequestBodySize (100 MB), overridable with FUNCTIONS_REQUEST_BODY_SIZE_LIMIT. */
export const DEFAULT_BODY_LIMIT = 104_857_600;

export function bodyLimitFrom(setting: string | undefined): number {
  if (setting === undefined || setting === '') return DEFAULT_BODY_LIMIT;
  const limit = Number(setting);
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new Error(`FUNCTIONS_REQUEST_BODY_SIZE_LIMIT must be a number of bytes, got '${setting}'.`);
  }
  return limit;
}

/** Reads the whole request body, failing with BodyTooLargeError as soon as it passes `limit`. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > limit) throw new BodyTooLargeError(limit);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}
