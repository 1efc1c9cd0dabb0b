import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunctionsHost, type FunctionsHost } from '../../local/host/index.js';
import { CaptureLogger } from './helpers/captureLogger.js';
import { copyFixture, type FixtureApp } from './helpers/fixtureApp.js';

let app: FixtureApp;
let host: FunctionsHost;
const logger = new CaptureLogger();

beforeAll(async () => {
  app = copyFixture('http-app', {
    IsEncrypted: false,
    Values: { FUNCTIONS_WORKER_RUNTIME: 'node', FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: '1000' },
    Host: { CORS: 'http://allowed.example,http://other.example', CORSCredentials: true },
  });
  host = await startFunctionsHost({ appDir: app.dir, port: 0, env: {}, logger });
});

afterAll(async () => {
  await host?.close();
  app?.remove();
});

const get = (path: string, init?: RequestInit): Promise<Response> => fetch(`${host.url}${path}`, init);
/** An admin API call with the host's master key. */
const admin = (path: string, init: RequestInit = {}): Promise<Response> =>
  get(path, { ...init, headers: { 'x-functions-key': host.masterKey, ...(init.headers as Record<string, string>) } });

/** A request with a header sent twice (fetch would merge them into one line). */
function postWithRepeatedHeader(path: string, body: string): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${host.url}${path}`, { method: 'POST' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>));
    });
    req.on('error', reject);
    req.setHeader('X-Multi', ['one', 'two']);
    req.setHeader('Content-Type', 'text/plain');
    req.setHeader('Content-Length', String(Buffer.byteLength(body)));
    req.end(body);
  });
}

describe('request conversion', () => {
  it('gives the handler lower-cased joined headers, joined query values, route params and the body bytes', async () => {
    const echo = await postWithRepeatedHeader('/api/echo/42/more?a=1&a=2&B=x', 'hello');
    expect(echo.method).toBe('POST');
    expect(echo.url).toBe(`${host.url}/api/echo/42/more?a=1&a=2&B=x`);
    expect((echo.headers as Record<string, string>)['x-multi']).toBe('one,two');
    expect(echo.query).toEqual({ a: '1,2', B: 'x' });
    expect(echo.params).toEqual({ id: '42', rest: 'more' });
    expect(echo.bodyText).toBe('hello');
    expect(echo.functionName).toBe('echo');
  });

  it('passes a chunked body (no Content-Length) whole, in as many chunks as it came', async () => {
    const chunked = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('chunked '));
        controller.enqueue(new TextEncoder().encode('body'));
        controller.close();
      },
    });
    const res = await get('/api/echo/1', { method: 'PUT', body: chunked, duplex: 'half' } as RequestInit);
    const echo = (await res.json()) as { bodyLength: number; bodyText: string };
    expect(echo).toMatchObject({ bodyLength: 12, bodyText: 'chunked body' });
  });

  it('leaves an unmatched optional parameter out of params', async () => {
    const res = await get('/api/echo/7');
    expect(((await res.json()) as { params: unknown }).params).toEqual({ id: '7' });
  });
});

describe('response conversion and status codes', () => {
  it('writes status, headers, body bytes and ASP.NET-style cookies, with no Content-Type unless given', async () => {
    const res = await get('/api/cookies');
    expect(res.status).toBe(201);
    expect(res.headers.get('x-custom')).toBe('yes');
    expect(await res.text()).toBe('raw');
    expect(res.headers.getSetCookie()).toEqual([
      'session=a%20b; max-age=60; path=/; samesite=lax; httponly',
      'plain=v; path=/api; secure; samesite=none',
    ]);
    const bytes = await get('/api/bytes');
    expect(bytes.headers.get('content-type')).toBeNull();
    expect([...new Uint8Array(await bytes.arrayBuffer())]).toEqual([0, 1, 2, 255]);
  });

  it('answers 200 with an empty body when the handler returns nothing', async () => {
    const res = await get('/api/nothing');
    expect(res.status).toBe(200);
    expect(await res.text()).toBe('');
  });

  it('answers 500 problem+json naming the invocation when the handler throws, and logs the failure', async () => {
    const res = await get('/api/throws');
    expect(res.status).toBe(500);
    expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    const problem = (await res.json()) as { status: number; detail: string; invocationId: string };
    expect(problem).toMatchObject({ status: 500, title: 'Internal Server Error' });
    expect(problem.detail).toContain("The function 'throws' did not complete");
    expect(problem.detail).not.toContain('handler failed on purpose'); // the error stays in the log
    const failed = logger.messages().find((m) => m.startsWith("Executed 'Functions.throws' (Failed"));
    expect(failed).toMatch(/^Executed 'Functions\.throws' \(Failed, Id=[0-9a-f-]{36}, Duration=\d+ms\)$/);
    expect(failed).toContain(problem.invocationId);
    expect(logger.messages().join('\n')).toContain('Exception: handler failed on purpose');
  });

  it('answers 404 problem+json for no route, a failed constraint or a wrong method (as the host routes)', async () => {
    for (const path of ['/api/missing', '/api/echo/not-a-number', '/echo/1']) {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(((await res.json()) as { detail: string }).detail).toContain(path);
    }
    // The host's routes carry a method constraint, so a wrong method is no match: 404, naming what would answer.
    const wrong = await get('/api/post-only', { method: 'DELETE' });
    expect(wrong.status).toBe(404);
    expect(wrong.headers.get('content-type')).toContain('application/problem+json');
    expect(((await wrong.json()) as { detail: string }).detail).toContain('it answers POST');
    expect((await get('/api/post-only', { method: 'POST' })).status).toBe(200);
  });

  it('answers 413 for a body over FUNCTIONS_REQUEST_BODY_SIZE_LIMIT', async () => {
    const res = await get('/api/echo/1', { method: 'POST', body: 'x'.repeat(1001) });
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect((await get('/api/echo/1', { method: 'POST', body: 'x'.repeat(1000) })).status).toBe(200);
  });

  it('logs Executing/Executed lines with the invocation id and the user log in between', async () => {
    await get('/api/echo/5');
    const lines = logger.entries.filter((e) => e.category.startsWith('Function.echo')).slice(-3);
    expect(lines.map((e) => e.category)).toEqual(['Function.echo', 'Function.echo.User', 'Function.echo']);
    expect(lines[0]?.message).toMatch(
      /^Executing 'Functions\.echo' \(Reason='This function was programmatically called via the host APIs\.', Id=/,
    );
    expect(lines[1]?.message).toBe('echo called');
    expect(lines[2]?.message).toMatch(/^Executed 'Functions\.echo' \(Succeeded, Id=/);
    expect(new Set(lines.map((e) => e.invocationId)).size).toBe(1);
  });
});

describe('routing', () => {
  it('takes the first matching function in name order, case-insensitively', async () => {
    const res = await get('/API/Items/special');
    expect(await res.json()).toEqual({ name: 'aItem', params: { key: 'special' } });
  });

  it('applies guid, range, alpha, minlength and regex constraints', async () => {
    const ok = await get('/api/c/6f9619ff-8b86-d011-b42d-00cf4fc964ff/10/ab/xy1');
    expect(((await ok.json()) as { name: string }).name).toBe('constraints');
    expect((await get('/api/c/not-a-guid/10/ab/xy1')).status).toBe(404);
    expect((await get('/api/c/6f9619ff-8b86-d011-b42d-00cf4fc964ff/11/ab/xy1')).status).toBe(404);
    expect((await get('/api/c/6f9619ff-8b86-d011-b42d-00cf4fc964ff/1/a/xy1')).status).toBe(404);
    expect((await get('/api/c/6f9619ff-8b86-d011-b42d-00cf4fc964ff/1/ab1/xy1')).status).toBe(404);
    expect((await get('/api/c/6f9619ff-8b86-d011-b42d-00cf4fc964ff/1/ab/xyz')).status).toBe(404);
  });

  it('fills defaults, catch-all and complex segments', async () => {
    expect(await (await get('/api/d')).json()).toEqual({ name: 'defaults', params: { lang: 'en' } });
    expect(await (await get('/api/d/fr')).json()).toEqual({ name: 'defaults', params: { lang: 'fr' } });
    expect(await (await get('/api/files/a/b/c.txt')).json()).toEqual({
      name: 'catchAll',
      params: { path: 'a/b/c.txt' },
    });
    expect(await (await get('/api/docs/read.me.md')).json()).toEqual({
      name: 'complex',
      params: { name: 'read', ext: 'me.md' },
    });
  });
});

describe('CORS, homepage and admin', () => {
  it('answers preflights before routing and echoes only allowed origins, never * with credentials', async () => {
    const preflight = await get('/api/anything', {
      method: 'OPTIONS',
      headers: { Origin: 'http://allowed.example', 'Access-Control-Request-Method': 'DELETE' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://allowed.example');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-methods')).toBe('DELETE');
    const denied = await get('/api/nothing', { headers: { Origin: 'http://evil.example' } });
    expect(denied.headers.get('access-control-allow-origin')).toBeNull();
    const allowed = await get('/api/nothing', { headers: { Origin: 'http://other.example' } });
    expect(allowed.headers.get('access-control-allow-origin')).toBe('http://other.example');
  });

  it('serves the homepage at GET /', async () => {
    const res = await get('/');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Functions app is up and running');
  });

  it('lists functions sorted by name and accepts admin invocations of known functions only', async () => {
    const list = (await (await admin('/admin/functions')).json()) as { name: string; invoke_url_template: string }[];
    expect(list.map((f) => f.name)).toEqual([
      'aItem',
      'bytes',
      'catchAll',
      'complex',
      'constraints',
      'cookies',
      'defaults',
      'echo',
      'noBody',
      'postOnly',
      'special',
      'throws',
    ]);
    expect(list.find((f) => f.name === 'echo')?.invoke_url_template).toBe(
      `http://localhost:${host.port}/api/echo/{id:int}/{rest?}`,
    );
    const missing = await admin('/admin/functions/nope', { method: 'POST', body: '{"input":""}' });
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toContain('application/problem+json');
  });

  it('printed the Core Tools function list at start-up', () => {
    const list = logger.messages((e) => e.category === 'Host.Startup').find((m) => m.includes('Functions:'));
    expect(list).toContain(`\techo: [GET,POST,PUT] http://localhost:${host.port}/api/echo/{id:int}/{rest?}`);
    expect(list).toContain(`\tnoBody: [GET] http://localhost:${host.port}/api/nothing`);
  });
});
