import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintClientAccessToken, mintRestAccessToken } from '../../local/signalr/accessTokens.js';
import type { SignalRService } from '../../local/signalr/service.js';
import type { RawResponse } from '../host/helpers/rawHttp.js';
import { seededFuzz, sendRawCalls, type Fuzz, type RawCall } from '../support/rawFuzz.js';
import { accessKeyOf, Fixture, HUB } from './helpers.js';

/**
 * Generated raw requests against the SignalR service — methods, targets, Hosts, tokens, upgrades, bodies — with
 * no 5xx allowed. An error is problem+json, or Azure's own format where the service speaks Azure's protocol:
 * `{ code, message }` JSON with `x-ms-error-code` on the REST API, plain text on the client endpoints (what the
 * Management SDK and the SignalR client read). Seeded, so a failure names a request that can be replayed.
 */
const GENERATED = Number(process.env.SIGNALR_FUZZ_N ?? 3000);
const CONCURRENCY = 16;
const SEED = Number(process.env.FUZZ_SEED ?? 20_260_101);

const fixture = new Fixture();
const logged: string[] = [];
let service: SignalRService;
let key: string;

beforeAll(async () => {
  service = await fixture.start({
    allowedHosts: ['orders.test'],
    corsOrigins: ['http://localhost:7071'],
    // Short, so a request that never completes its body ends with a 408 instead of holding the run.
    httpTimeouts: { headersMs: 1000, requestMs: 2000 },
    log: (message) => logged.push(message),
  });
  key = accessKeyOf(service);
});
afterAll(() => fixture.dispose());

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'OPTIONS', 'PATCH'] as const;
const ODD_METHODS = ['FOO', 'TRACE', 'CONNECT', 'PROPFIND', 'M-SEARCH', 'get', 'G ET', '', 'POST /x'] as const;
const HUBS = [HUB, 'chat', 'ORDERS', '1bad', '__proto__', 'constructor', '', 'a'.repeat(200), '%zz'] as const;
const IDS = ['alice', '__proto__', 'constructor', '%2E', '%2E%2E', '.', '..', '%zz', '%00', 'ü', '%E2%82%AC', ' '];
const REST_QUERIES = ['?api-version=2022-06-01', '?api-version=2022-06-01&ttl=60', '?ttl=-1', '?ttl=abc', ''];
const HOSTS = [
  '127.0.0.1',
  '[::1]',
  'orders.test',
  'evil.example',
  'localhost.evil.example',
  '0.0.0.0',
  'localhost:99999',
  'localhost:abc',
  'localhost@evil',
  '',
  '[::1',
  'missing',
] as const;
const BODIES = [
  '',
  '{}',
  '[]',
  'null',
  '{"target":"t","arguments":[1]}',
  '{"Target":"t","Arguments":["x"]}',
  '{"target":"","arguments":1}',
  '{"target":"t","arguments":[],"__proto__":{"x":1}}',
  '{"protocol":"json","version":1}\u001e',
  '{"type":1,"target":"x","arguments":[]}\u001e',
  '{"items":',
  '\u0000\u0001binary',
  'x'.repeat(70_000),
] as const;

type Call = RawCall & { head: boolean; path: string };

/** A well-formed call with a valid token, so the run also reaches negotiate, WebSockets and the REST operations. */
async function wellFormed(f: Fuzz, port: number): Promise<Call> {
  const own = `localhost:${port}`;
  const user = f.pick(['alice', '__proto__', '..']);
  const client = await mintClientAccessToken({ endpoint: `http://${own}`, accessKey: key, hub: HUB, userId: user });
  const clientToken = client.accessToken;
  const encoded = encodeURIComponent(user).replaceAll('.', '%2E');
  const [method, path, body] = f.pick([
    ['POST', `/client/negotiate?hub=${HUB}&negotiateVersion=1`, ''],
    ['GET', `/client/?hub=${HUB}`, ''],
    ['POST', `/api/hubs/${HUB}/:send?api-version=2022-06-01`, '{"target":"t","arguments":[1]}'],
    ['POST', `/api/hubs/${HUB}/users/${encoded}/:send?api-version=2022-06-01`, '{"target":"t","arguments":[]}'],
    ['PUT', `/api/hubs/${HUB}/users/${encoded}/groups/g?api-version=2022-06-01&ttl=60`, ''],
    ['HEAD', `/api/hubs/${HUB}/users/${encoded}/groups/g?api-version=2022-06-01`, ''],
    ['DELETE', `/api/hubs/${HUB}/users/${encoded}/groups?api-version=2022-06-01`, ''],
  ] as const);
  const websocket = path.startsWith('/client/?');
  const token = path.startsWith('/api/') ? await mintRestAccessToken(`http://${own}${path}`, key) : clientToken;
  const lines = [`${method} ${path} HTTP/1.1`, `Host: ${own}`, `Authorization: Bearer ${token}`];
  if (websocket) {
    lines.push('Connection: Upgrade', 'Upgrade: websocket', 'Sec-WebSocket-Version: 13');
    lines.push('Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==');
  } else lines.push('Connection: close', 'Content-Type: application/json', `Content-Length: ${body.length}`);
  const bytes = Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`);
  return { bytes, head: method === 'HEAD', path, what: `${method} ${path}` };
}

/** One generated request as raw bytes, with the path it names (to tell which surface must answer it). */
async function generate(f: Fuzz, port: number): Promise<Call> {
  if (f.chance(0.12)) return wellFormed(f, port);
  const own = `localhost:${port}`;
  const hub = f.chance(0.7) ? HUB : f.pick(HUBS);
  const id = () => f.pick(IDS);
  const restPath = f.pick([
    `/api/hubs/${hub}/:send`,
    `/api/hubs/${hub}/users/${id()}/:send`,
    `/api/hubs/${hub}/groups/${id()}/:send`,
    `/api/hubs/${hub}/users/${id()}/groups/${id()}`,
    `/api/hubs/${hub}/groups/${id()}/users/${id()}`,
    `/api/hubs/${hub}/users/${id()}/groups`,
    `/api/hubs/${hub}/connections/${id()}`,
    `/api/hubs/${hub}/groups/${id()}/connections/${id()}`,
    `/api/v1/hubs/${hub}`,
    `/api/v1/hubs/${hub}/users/${id()}`,
    `/api/v1/hubs/${hub}/groups/${id()}/users/${id()}`,
    '/api/health',
    '/api/v1/health',
    '/api/',
    '/api/nothing',
  ]);
  const clientQuery = f.pick([
    `?hub=${hub}`,
    `?hub=${hub}&negotiateVersion=1`,
    `?hub=${hub}&id=${id()}`,
    '?hub=',
    '',
    `?hub=${hub}&access_token=garbage`,
  ]);
  const path = f.pick([
    `/client/negotiate${clientQuery}`,
    `/client/${clientQuery}`,
    `/client${clientQuery}`,
    `/client/x${clientQuery}`,
    `${restPath}${f.pick(REST_QUERIES)}`,
    `${restPath}${f.pick(REST_QUERIES)}`,
    '/',
    '/nothing',
    '//evil.example/api/health',
  ]);
  const absolute = f.chance(0.05) ? f.pick([`http://${own}`, 'http://evil.example', 'https://localhost']) : '';
  const method = f.chance(0.9) ? f.pick(METHODS) : f.pick(ODD_METHODS);
  const version = f.chance(0.95) ? 'HTTP/1.1' : f.pick(['HTTP/1.0', 'HTTP/2.0', 'http/1.1']);
  const lines = [`${method} ${absolute}${f.chance(0.01) ? '*' : path} ${version}`];
  const host = f.chance(0.8) ? own : f.pick(HOSTS);
  if (host !== 'missing') lines.push(`Host: ${host}`);
  if (f.chance(0.6)) {
    const audienceHost = host === 'missing' ? own : host;
    const token = f.pick([
      async () =>
        (await mintClientAccessToken({ endpoint: `http://${own}`, accessKey: key, hub: hub || HUB, userId: id() }))
          .accessToken,
      () => mintRestAccessToken(`http://${audienceHost}${path}`, key),
      () => mintRestAccessToken(`http://${audienceHost}${path}`, 'not the key'),
      async () => 'a.b.c',
      async () => '',
    ]);
    lines.push(`Authorization: ${f.pick(['Bearer ', 'bearer ', 'Basic '])}${await token()}`);
  }
  if (f.chance(0.15)) lines.push(`Origin: ${f.pick(['http://localhost:7071', 'http://evil.example', 'null'])}`);
  if (f.chance(0.1)) lines.push(`Access-Control-Request-Method: ${f.pick(['POST', 'DELETE', 'X'])}`);
  if (f.chance(0.1)) lines.push('Accept: text/event-stream');
  if (f.chance(0.1)) {
    lines.push(`Connection: ${f.pick(['Upgrade', 'upgrade, keep-alive'])}`, `Upgrade: ${f.pick(['websocket', 'h2c'])}`);
    if (f.chance(0.8)) lines.push(`Sec-WebSocket-Key: ${f.pick(['dGhlIHNhbXBsZSBub25jZQ==', 'short', ''])}`);
    if (f.chance(0.8)) lines.push(`Sec-WebSocket-Version: ${f.pick(['13', '8', '99', ''])}`);
    if (f.chance(0.1)) lines.push('Sec-WebSocket-Protocol: a,,b');
  } else lines.push('Connection: close');
  if (f.chance(0.05)) lines.push('__proto__: x', 'constructor: y');
  if (f.chance(0.03)) lines.push(`X-Long: ${'h'.repeat(f.pick([100, 9000, 20_000]))}`);
  if (f.chance(0.03)) lines.push('Bad Header: x');
  if (f.chance(0.03)) lines.push('Expect: 100-continue');
  let body = Buffer.alloc(0);
  if (f.chance(0.4)) {
    body = Buffer.from(f.chance(0.005) ? 'y'.repeat(1_100_000) : f.pick(BODIES), 'utf8');
    lines.push(`Content-Type: ${f.pick(['application/json', 'text/plain', 'application/x-msgpack', ';;;'])}`);
    if (f.chance(0.08)) {
      const size = f.chance(0.7) ? body.length.toString(16) : 'zz';
      lines.push('Transfer-Encoding: chunked');
      body = Buffer.concat([Buffer.from(`${size}\r\n`), body, Buffer.from('\r\n0\r\n\r\n')]);
    } else lines.push(`Content-Length: ${f.chance(0.05) ? Math.max(0, body.length - 3) : body.length}`);
  }
  const bytes = Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`, 'latin1'), body]);
  return { bytes, head: method === 'HEAD', path, what: `${lines[0]} [${lines.slice(1, 4).join(' | ').slice(0, 200)}]` };
}

/** Why `response` breaks the rules, or undefined when it keeps them. */
function check(response: RawResponse, call: Call): string | undefined {
  const { status, headers, body } = response;
  if (!(status >= 100 && status < 500)) return `status ${status}`;
  if (status < 400) return undefined;
  const type = headers.get('content-type') ?? '';
  if (type.startsWith('application/problem+json')) {
    if (call.head) return undefined;
    const problem = parse(body) as { status?: unknown; detail?: unknown } | undefined;
    return problem?.status === status && typeof problem.detail === 'string' ? undefined : `bad problem: ${body}`;
  }
  if (call.path.startsWith('/api/')) {
    if (type !== 'application/json; charset=utf-8' || !headers.get('x-ms-error-code'))
      return `REST ${status} with '${type}'`;
    if (call.head) return undefined;
    const error = parse(body) as { code?: unknown; message?: unknown } | undefined;
    return typeof error?.code === 'string' && typeof error.message === 'string' ? undefined : `REST body: ${body}`;
  }
  if (call.path.startsWith('/client')) {
    if (!type.startsWith('text/plain')) return `client ${status} with '${type}'`;
    return call.head || body.length > 0 ? undefined : `client ${status} without a message`;
  }
  return `${status} with '${type}' outside Azure's surfaces`;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

describe('fuzzing the SignalR service', () => {
  it(`answers ${GENERATED} generated raw requests with no 5xx, every error problem+json or Azure's format`, async () => {
    const f = seededFuzz(SEED);
    const calls: Call[] = [];
    for (let i = 0; i < GENERATED; i++) calls.push(await generate(f, service.port));
    const { failures, statuses, summary } = await sendRawCalls(service.port, calls, {
      concurrency: CONCURRENCY,
      timeoutMs: 10_000,
      check,
    });

    expect(failures.slice(0, 20), `seed ${SEED}; statuses ${summary}; ${failures.length} failures`).toEqual([]);
    expect(logged.filter((m) => m.startsWith('internal error'))).toEqual([]);
    // The run reached the service's operations, not only its refusals.
    for (const reached of [101, 200, 202]) expect(statuses.get(reached) ?? 0, summary).toBeGreaterThan(0);
  }, 60_000);
});
