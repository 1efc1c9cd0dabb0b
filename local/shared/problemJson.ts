import { STATUS_CODES, type ServerResponse } from 'node:http';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export type FieldError = { field: string; message: string };

/**
 * One error a local surface answers, as RFC 9457 problem details with `type` `about:blank` (so `title` is the
 * status phrase, as in the app's own problems). Each surface builds these in one factory module.
 */
export type Problem = {
  status: number;
  detail: string;
  headers?: Record<string, string>;
  errors?: FieldError[];
  /** Extension members, e.g. the invocation id of a failed function. */
  extensions?: Record<string, string | number>;
};

export function problemBody(problem: Problem): Buffer {
  return Buffer.from(
    JSON.stringify({
      ...problem.extensions,
      type: 'about:blank',
      title: STATUS_CODES[problem.status] ?? 'Error',
      status: problem.status,
      detail: problem.detail,
      ...(problem.errors ? { errors: problem.errors } : {}),
    }),
  );
}

/** Writes the problem as the whole response; a response already under way can only be cut off. */
export function sendProblem(res: ServerResponse, problem: Problem): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = problemBody(problem);
  res.writeHead(problem.status, {
    ...problem.headers,
    'Content-Type': PROBLEM_CONTENT_TYPE,
    'Content-Length': String(body.length),
    'Cache-Control': 'no-store',
  });
  res.end(res.req?.method === 'HEAD' ? undefined : body);
}

/** The problem as a whole HTTP/1.1 response, for a socket the HTTP parser gave up on (no ServerResponse). */
export function rawProblemResponse(problem: Problem): Buffer {
  const body = problemBody(problem);
  const head = [
    `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status] ?? 'Error'}`,
    `Content-Type: ${PROBLEM_CONTENT_TYPE}`,
    `Content-Length: ${body.length}`,
    'Cache-Control: no-store',
    'Connection: close',
    ...Object.entries(problem.headers ?? {})
      .filter(([name]) => name.toLowerCase() !== 'connection')
      .map(([name, value]) => `${name}: ${value}`),
  ];
  return Buffer.concat([Buffer.from(`${head.join('\r\n')}\r\n\r\n`), body]);
}
