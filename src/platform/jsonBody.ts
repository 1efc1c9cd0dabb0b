import type { HttpRequest, HttpResponseInit } from '@azure/functions';
import { problem } from './problem.js';

export const MAX_BODY_BYTES = 64 * 1024;

export type JsonBody = { ok: true; value: unknown } | { ok: false; response: HttpResponseInit };

/** Reads a JSON request body: 415 unless it is declared JSON, 413 past 64 KB, 400 unless it parses. */
export async function readJsonBody(request: HttpRequest): Promise<JsonBody> {
  const mediaType = (request.headers.get('content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType !== 'application/json' && !/^application\/[\w.-]+\+json$/.test(mediaType)) {
    return fail(
      problem(415, `The request body must be application/json, not ${mediaType || 'unspecified'}.`, {
        headers: { accept: 'application/json' },
      }),
    );
  }
  const declared = Number(request.headers.get('content-length') ?? 0);
  if (declared > MAX_BODY_BYTES) return fail(tooLarge());
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength > MAX_BODY_BYTES) return fail(tooLarge());
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail(problem(400, 'The request body is not valid UTF-8.'));
  }
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    return fail(problem(400, `The request body is not valid JSON: ${(error as Error).message}`));
  }
}

function tooLarge(): HttpResponseInit {
  return problem(413, `The request body is larger than ${MAX_BODY_BYTES} bytes.`);
}

function fail(response: HttpResponseInit): JsonBody {
  return { ok: false, response };
}
