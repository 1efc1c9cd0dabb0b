import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RawResponse } from '../host/helpers/rawHttp.js';
import { seededFuzz, sendRawCalls, type Fuzz, type RawCall } from '../support/rawFuzz.js';
import { APP_DIR, signIn, useLocalStack } from '../support/stack.js';

/**
 * Table-driven and generated requests against the whole stack on port 0 — methods, paths, headers, bodies,
 * Hosts, encodings — sent as raw bytes, so nothing a well-behaved client would fix up gets fixed. Every answer
 * must be below 500, and every error problem+json. Seeded, so a failure names a request that can be replayed.
 */
const GENERATED = Number(process.env.FUZZ_N ?? 10_000);
const CONCURRENCY = 24;
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_101);

const { stack, logger } = useLocalStack({
  webRoot: join(APP_DIR, 'web', 'dist'),
  // Short, so a request that never completes its body ends with a 408 instead of holding the run.
  httpTimeouts: { headersMs: 2000, requestMs: 4000 },
});

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS'] as const;
const ODD_METHODS = ['TRACE', 'CONNECT', 'PROPFIND', 'M-SEARCH', 'FOO', 'get', 'G ET', 'GET\t', '', 'POST /x'] as const;
const PATHS = [
  '/',
  '/index.html',
  '/app.js',
  '/styles.css',
  '/missing.js',
  '/api',
  '/api/',
  '/api/orders',
  '/api/orders/',
  '/api/orders/00000000-0000-0000-0000-000000000000',
  '/api/orders/__proto__',
  '/api/products',
  '/api/negotiate',
  '/API/ORDERS',
  '/api/nothing',
  '/.auth',
  '/.auth/me',
  '/.auth/login/dev',
  '/.auth/login/aad',
  '/.auth/logout',
  '/.auth/logout/complete',
  '/.auth/nothing',
  '/admin',
  '/admin/functions',
  '/admin/functions/processOrder',
  '/admin/functions/createOrder',
  '/admin/functions/%2e%2e',
  '/admin/host/status',
  '/admin/host/ping',
  '/admin/host/restart',
  '/runtime/webhooks/signalr',
  '/runtime/nothing',
  '/_local',
  '/_local/health',
  '/_local/servicebus',
  '/_local/x',
  '*',
  'http://evil.example/api/orders',
  'http://localhost/_local/health',
  '//evil.example/api/orders',
] as const;
const SEGMENTS = [
  '__proto__',
  'constructor',
  'prototype',
  'hasOwnProperty',
  '.',
  '..',
  '%2e%2e',
  '%2F',
  '%00',
  '%zz',
  '%c0%ae',
  '%ff',
  'ü',
  '%E2%82%AC',
  '~',
  ';x=1',
  'a'.repeat(300),
  '{id}',
  ' ',
  '%20',
  '\\',
  '?',
  '#frag',
] as const;
const QUERIES = [
  '',
  '?',
  '?a=1&a=2',
  '?__proto__[x]=1',
  '?constructor=1',
  '?code=wrong',
  '?code=',
  '?%zz=1',
  '?post_login_redirect_uri=https://evil.example',
  '?post_login_redirect_uri=//evil.example',
  '?session_mode=token',
  `?x=${'y'.repeat(2000)}`,
] as const;
const HOSTS = [
  'localhost',
  '127.0.0.1',
  '[::1]',
  'app.localhost',
  'evil.example',
  'localhost.evil.example',
  '0.0.0.0',
  'localhost:99999',
  'localhost:abc',
  'localhost@evil',
  '',
  ' ',
  'LOCALHOST',
  '[::1',
  'missing',
] as const;
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/x-www-form-urlencoded',
  'text/plain',
  'multipart/form-data; boundary=x',
  'application/x-msgpack',
  'application/xml',
  '*/*',
  ';;;',
  'application/json; charset=utf-16',
] as const;
const ORIGINS = ['own', 'http://evil.example', 'null', 'http://localhost:5173', 'http://localhost:1', 'file://'];

type Tokens = { valid: string[]; masterKey: string };

function bodyFor(f: Fuzz, tokens: Tokens): Buffer {
  const bodies: (() => string | Buffer)[] = [
    () => '',
    () => '{}',
    () => '[]',
    () => 'null',
    () => '{"items":[{"sku":"MUG-CERAMIC","quantity":1}]}',
    () => '{"items":[{"sku":"MUG-CERAMIC","quantity":-1,"__proto__":{"admin":true}}]}',
    () => '{"__proto__":{"userId":"mallory"},"constructor":{"prototype":{"x":1}}}',
    () => `{"userId":"${f.pick(['alice', '__proto__', 'constructor', '.', '..', 'a b', '', 'x'.repeat(100)])}"}`,
    () =>
      `userId=${f.pick(['bob', '__proto__', '..', '%00', ''])}&post_login_redirect_uri=${f.pick(['/', '//evil', 'https://evil.example'])}`,
    () => `{"input":"${f.pick(['x', '{}', '{\\"orderId\\":\\"1\\"}'])}"}`,
    () => '{"items":',
    () => '\u0000\u0001\u0002binary',
    () => Buffer.from([0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00]),
    () => `${'['.repeat(2000)}${']'.repeat(2000)}`,
    () => JSON.stringify({ items: Array.from({ length: 60 }, () => ({ sku: 'TEA-SENCHA-250G', quantity: 1 })) }),
    () => 'x'.repeat(70_000),
    () => `{"type":1,"target":"x","arguments":[]}\u001e`,
    () => `{"token":"${tokens.valid[0]}"}`,
  ];
  const body = f.pick(bodies)();
  return Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8');
}

type Call = RawCall & { head: boolean };

/** A well-formed call of the app, signed in, so the run also reaches the functions, Azurite and the broker. */
function appCall(f: Fuzz, port: number, tokens: Tokens): Call {
  const order = JSON.stringify({ items: [{ sku: f.pick(['MUG-CERAMIC', 'KETTLE-GOOSENECK', 'NOPE']), quantity: 1 }] });
  const [method, path, body] = f.pick([
    ['POST', '/api/orders', order],
    ['GET', '/api/orders', ''],
    ['GET', '/api/products', ''],
    ['POST', '/api/negotiate', ''],
    ['GET', `/api/orders/${f.pick(['00000000-0000-0000-0000-000000000000', 'x', '__proto__'])}`, ''],
    ['GET', '/.auth/me', ''],
    ['POST', '/.auth/login/dev', `{"userId":"${f.pick(['u1', '__proto__', 'constructor', '..'])}"}`],
  ] as const);
  const lines = [`${method} ${path} HTTP/1.1`, `Host: localhost:${port}`, `X-ZUMO-AUTH: ${f.pick(tokens.valid)}`];
  if (body) lines.push('Content-Type: application/json', `Content-Length: ${Buffer.byteLength(body)}`);
  lines.push('Connection: close');
  return { bytes: Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`), head: false, what: `${method} ${path}` };
}

/** One generated request as raw bytes, and a line describing it for failure messages. */
function generate(f: Fuzz, port: number, tokens: Tokens): Call {
  if (f.chance(0.12)) return appCall(f, port, tokens);
  // Mostly well-formed, so most requests get past the parser and the Host check to the parts behind them.
  const method = f.chance(0.9) ? f.pick(METHODS) : f.pick(ODD_METHODS);
  let path: string = f.pick(PATHS);
  if (f.chance(0.2)) path = `${path.replace(/\/$/, '')}/${f.pick(SEGMENTS)}`;
  if (f.chance(0.1)) path = `${path}/${f.pick(SEGMENTS)}`;
  path += f.pick(QUERIES);
  const hostChoice = f.chance(0.8) ? 'own' : f.pick(HOSTS);
  const version = f.chance(0.93) ? 'HTTP/1.1' : f.pick(['HTTP/1.0', 'HTTP/2.0', 'HTTP/x', 'http/1.1']);
  const lines = [`${method} ${path} ${version}`];
  if (hostChoice !== 'missing') lines.push(`Host: ${hostChoice === 'own' ? `localhost:${port}` : hostChoice}`);
  if (f.chance(0.5)) {
    const token = f.chance(0.7) ? f.pick(tokens.valid) : f.pick(['garbage', 'a.b.c', `${tokens.valid[0]}x`, '']);
    lines.push(`X-ZUMO-AUTH: ${token}`);
  }
  if (f.chance(0.15)) lines.push(`Cookie: AppServiceAuthSession=${f.pick([...tokens.valid, 'x', ''])}`);
  if (f.chance(0.2)) lines.push(`x-functions-key: ${f.pick([tokens.masterKey, 'wrong', ''])}`);
  if (f.chance(0.3)) {
    const origin = f.pick(ORIGINS);
    lines.push(`Origin: ${origin === 'own' ? `http://localhost:${port}` : origin}`);
  }
  if (f.chance(0.15)) lines.push(`Sec-Fetch-Site: ${f.pick(['same-origin', 'same-site', 'cross-site', 'none'])}`);
  if (f.chance(0.15)) lines.push(`Access-Control-Request-Method: ${f.pick(['POST', 'DELETE', 'X'])}`);
  if (f.chance(0.1)) lines.push('x-ms-client-principal-id: erin', 'x-ms-client-principal: eyJhdXRoX3R5cCI6ImFhZCJ9');
  if (f.chance(0.1)) lines.push(`Idempotency-Key: ${f.pick(['k1', '', 'x'.repeat(300), '__proto__'])}`);
  if (f.chance(0.1)) lines.push(`Accept-Encoding: ${f.pick(['gzip', 'br', 'identity;q=0', '*'])}`);
  if (f.chance(0.05)) lines.push(`Content-Encoding: ${f.pick(['gzip', 'deflate', 'x'])}`);
  if (f.chance(0.05)) lines.push(`X-ASRS-Hub: orders`, `X-ASRS-Category: messages`, `X-ASRS-Event: x`);
  if (f.chance(0.05)) lines.push(`__proto__: x`, `constructor: y`);
  if (f.chance(0.03)) lines.push(`X-Long: ${'h'.repeat(f.pick([100, 9000, 20_000]))}`);
  if (f.chance(0.03)) lines.push('Bad Header: x');
  if (f.chance(0.03)) lines.push('Expect: 100-continue');
  let body: Buffer = Buffer.alloc(0);
  if (f.chance(0.5)) {
    body = bodyFor(f, tokens);
    lines.push(`Content-Type: ${f.pick(CONTENT_TYPES)}`);
    if (f.chance(0.08)) {
      // Chunked, sometimes malformed.
      const chunk = f.chance(0.7) ? `${body.length.toString(16)}\r\n` : 'zz\r\n';
      lines.push('Transfer-Encoding: chunked', 'Connection: close');
      const bytes = Buffer.concat([
        Buffer.from(`${lines.join('\r\n')}\r\n\r\n${chunk}`),
        body,
        Buffer.from('\r\n0\r\n\r\n'),
      ]);
      return { bytes, head: method === 'HEAD', what: lines[0]! + ' (chunked)' };
    }
    const declared = f.chance(0.05) ? Math.max(0, body.length - 3) : body.length;
    lines.push(`Content-Length: ${declared}`);
  }
  lines.push('Connection: close');
  const bytes = Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
  return { bytes, head: method === 'HEAD', what: `${lines[0]} [${lines.slice(1, 4).join(' | ').slice(0, 160)}]` };
}

/** The requests every run sends first, whatever the seed: one per case named in the issue. */
function table(port: number, tokens: Tokens): Call[] {
  const own = `Host: localhost:${port}`;
  const requests = [
    `GET /api/nothing HTTP/1.1\r\n${own}\r\n`,
    `DELETE /api/orders HTTP/1.1\r\n${own}\r\nX-ZUMO-AUTH: ${tokens.valid[0]}\r\n`,
    `FOO / HTTP/1.1\r\n${own}\r\n`,
    `GET / HTTP/1.1\r\nHost: evil.example\r\n`,
    `POST /api/negotiate HTTP/1.1\r\n${own}\r\nContent-Length: 0\r\n`,
    `POST /.auth/login/dev HTTP/1.1\r\n${own}\r\nOrigin: http://evil.example\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 9\r\n\r\nuserId=ev`,
    `POST /.auth/login/dev HTTP/1.1\r\n${own}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 10\r\n\r\nuserId=a b`,
    `PUT /.auth/me HTTP/1.1\r\n${own}\r\n`,
    `POST /admin/functions/processOrder HTTP/1.1\r\n${own}\r\nContent-Type: text/plain\r\nContent-Length: 13\r\n\r\n{"input":"x"}`,
    `GET /_local/servicebus HTTP/1.1\r\n${own}\r\nOrigin: http://evil.example\r\n`,
    `CONNECT localhost:1 HTTP/1.1\r\n${own}\r\n`,
  ];
  return requests.map((r) => {
    const text = r.includes('\r\n\r\n')
      ? r.replace('\r\n\r\n', '\r\nConnection: close\r\n\r\n')
      : `${r}Connection: close\r\n\r\n`;
    return { bytes: Buffer.from(text), head: false, what: r.split('\r\n')[0]! };
  });
}

function check(response: RawResponse, head: boolean): string | undefined {
  if (!(response.status >= 100 && response.status < 500)) return `status ${response.status}`;
  if (response.status < 400) return undefined;
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('application/problem+json')) return `${response.status} with content-type '${type}'`;
  if (head) return undefined;
  try {
    const problem = JSON.parse(response.body) as { status?: unknown; detail?: unknown };
    if (problem.status !== response.status || typeof problem.detail !== 'string')
      return 'problem without status/detail';
  } catch {
    return `${response.status} problem+json that is not JSON: ${response.body.slice(0, 80)}`;
  }
  return undefined;
}

describe('fuzzing the stack', () => {
  it(`answers ${GENERATED} generated requests (and the named cases) with no 5xx and only problem+json errors`, async () => {
    const port = Number(new URL(stack().urls.functions).port);
    const base = stack().urls.functions;
    const tokens: Tokens = {
      valid: await Promise.all(['fuzz-user', '__proto__', 'constructor', '..'].map((id) => signIn(base, id))),
      masterKey: stack().masterKey,
    };
    const f = seededFuzz(SEED);
    const requests = [...table(port, tokens), ...Array.from({ length: GENERATED }, () => generate(f, port, tokens))];
    const { failures, statuses, summary } = await sendRawCalls(port, requests, {
      concurrency: CONCURRENCY,
      timeoutMs: 15_000,
      check: (response, request) => check(response, request.head),
    });

    expect(failures.slice(0, 20), `seed ${SEED}; statuses ${summary}; ${failures.length} failures`).toEqual([]);
    expect([...statuses.values()].reduce((a, b) => a + b, 0)).toBe(requests.length);
    // Nothing reached the pipeline's last-resort handler: every case had its own answer.
    expect(logger.messages().filter((m) => m.startsWith('Unhandled error'))).toEqual([]);
    // The run reached the functions too, not only the error paths.
    expect(statuses.get(200) ?? 0, summary).toBeGreaterThan(500);
  }, 120_000);
});
