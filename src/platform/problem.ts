import type { HttpResponseInit } from '@azure/functions';
import { STATUS_CODES } from 'node:http';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export type FieldError = { field: string; message: string };

/** RFC 9457 problem details. `type` is always `about:blank`, so `title` is the status phrase. */
export type ProblemDetails = {
  type: 'about:blank';
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
};

export function problem(
  status: number,
  detail: string,
  options: { errors?: FieldError[]; headers?: Record<string, string> } = {},
): HttpResponseInit {
  const body: ProblemDetails = {
    type: 'about:blank',
    title: STATUS_CODES[status] ?? 'Error',
    status,
    detail,
    ...(options.errors ? { errors: options.errors } : {}),
  };
  return {
    status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE, ...options.headers },
    body: JSON.stringify(body),
  };
}

export function validationProblem(errors: FieldError[]): HttpResponseInit {
  const count = errors.length === 1 ? '1 field is' : `${errors.length} fields are`;
  return problem(400, `The request body is invalid: ${count} not acceptable.`, { errors });
}

/** 503 with Retry-After: something the app needs is down for now, and the same request may succeed later. */
export function unavailableProblem(detail: string, retryAfterSeconds: number): HttpResponseInit {
  return problem(503, detail, { headers: { 'retry-after': String(retryAfterSeconds) } });
}
