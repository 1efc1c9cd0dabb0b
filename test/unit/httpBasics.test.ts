import { HttpRequest } from '@azure/functions';
import { describe, expect, it } from 'vitest';
import { readIdempotencyKey, requestFingerprint } from '../../src/orders/idempotency.js';
import { MAX_BODY_BYTES, readJsonBody } from '../../src/platform/jsonBody.js';
import { problem, validationProblem } from '../../src/platform/problem.js';

function post(body: string, headers: Record<string, string>): HttpRequest {
  return new HttpRequest({ method: 'POST', url: 'http://localhost/api/orders', headers, body: { string: body } });
}

describe('problem+json', () => {
  it('follows RFC 9457 with the status phrase as title', () => {
    const response = problem(404, 'There is no order x.');
    expect(response.status).toBe(404);
    expect(response.headers).toEqual({ 'content-type': 'application/problem+json' });
    expect(JSON.parse(response.body as string)).toEqual({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'There is no order x.',
    });
  });

  it('lists field errors for validation problems', () => {
    const errors = [
      { field: 'items', message: 'is required' },
      { field: 'note', message: 'must be a string' },
    ];
    const body = JSON.parse(validationProblem(errors).body as string) as Record<string, unknown>;
    expect(body).toMatchObject({ status: 400, title: 'Bad Request', errors });
    expect(body.detail).toContain('2 fields');
  });
});

describe('readJsonBody', () => {
  it('parses JSON declared as application/json, with or without parameters, or a +json type', async () => {
    for (const type of ['application/json', 'Application/JSON; charset=utf-8', 'application/merge-patch+json']) {
      expect(await readJsonBody(post('{"a":1}', { 'content-type': type }))).toEqual({ ok: true, value: { a: 1 } });
    }
  });

  it.each([
    ['no content type', {}],
    ['text/plain', { 'content-type': 'text/plain' }],
    ['form data', { 'content-type': 'application/x-www-form-urlencoded' }],
  ])('answers 415 to %s', async (_, headers) => {
    const result = await readJsonBody(post('{}', headers));
    expect(result.ok || result.response.status).toBe(415);
  });

  it('answers 413 past 64 KB, whether declared or actual', async () => {
    const json = { 'content-type': 'application/json' };
    const declared = await readJsonBody(post('{}', { ...json, 'content-length': String(MAX_BODY_BYTES + 1) }));
    expect(declared.ok || declared.response.status).toBe(413);
    const actual = await readJsonBody(post(`"${'x'.repeat(MAX_BODY_BYTES)}"`, json));
    expect(actual.ok || actual.response.status).toBe(413);
    const atLimit = await readJsonBody(post(`"${'x'.repeat(MAX_BODY_BYTES - 2)}"`, json));
    expect(atLimit.ok).toBe(true);
  });

  it('answers 400 to an empty or broken body', async () => {
    for (const body of ['', '{"a":', 'undefined']) {
      const result = await readJsonBody(post(body, { 'content-type': 'application/json' }));
      expect(result.ok || result.response.status).toBe(400);
    }
  });
});

describe('Idempotency-Key', () => {
  it('is optional, and must be 1-255 visible ASCII characters when given', () => {
    expect(readIdempotencyKey(new Headers())).toEqual({ ok: true, key: undefined });
    expect(readIdempotencyKey(new Headers({ 'idempotency-key': 'abc-123' }))).toEqual({ ok: true, key: 'abc-123' });
    for (const bad of ['with space', 'x'.repeat(256), 'café']) {
      expect(readIdempotencyKey(new Headers({ 'idempotency-key': bad })).ok).toBe(false);
    }
  });

  it('fingerprints what was asked for, not how it was written', () => {
    const a = requestFingerprint({ items: [{ sku: 'A', quantity: 1 }], note: 'n' });
    expect(requestFingerprint({ note: 'n', items: [{ quantity: 1, sku: 'A' }] })).toBe(a);
    expect(requestFingerprint({ items: [{ sku: 'A', quantity: 2 }], note: 'n' })).not.toBe(a);
    expect(requestFingerprint({ items: [{ sku: 'A', quantity: 1 }] })).not.toBe(a);
  });
});
