import { describe, expect, it } from 'vitest';
import { rawRequest } from '../host/helpers/rawHttp.js';
import { signIn, useLocalStack } from '../support/stack.js';

const { stack } = useLocalStack({ allowedHosts: ['orders.test'] });

const url = (path: string) => `${stack().urls.functions}${path}`;
const port = () => new URL(stack().urls.functions).port;

async function expectProblem(response: Response, status: number): Promise<{ detail: string }> {
  expect(response.status).toBe(status);
  expect(response.headers.get('content-type')).toContain('application/problem+json');
  return (await response.json()) as { detail: string };
}

describe('the local stack from the outside', () => {
  it('answers negotiate without a sign-in with 401, as the deployed Easy Auth (Return401) does, not 500', async () => {
    const problem = await expectProblem(await fetch(url('/api/negotiate'), { method: 'POST' }), 401);
    expect(problem.detail).toContain('/.auth/login/dev');
    await expectProblem(await fetch(url('/api/orders')), 401);
    const token = await signIn(stack().urls.functions, 'nina');
    const negotiated = await fetch(url('/api/negotiate'), { method: 'POST', headers: { 'x-zumo-auth': token } });
    expect(negotiated.status).toBe(200);
  });

  it('runs admin invocations only with the master key, and never for another web page', async () => {
    const invoke = (headers: Record<string, string>) =>
      fetch(url('/admin/functions/processOrder'), {
        method: 'POST',
        // What a web page can send without a preflight: a text/plain form-like post.
        headers: { 'content-type': 'text/plain', ...headers },
        body: JSON.stringify({ input: JSON.stringify({ orderId: 'x' }) }),
      });
    await expectProblem(await invoke({ origin: 'http://evil.example' }), 401);
    const key = { 'x-functions-key': stack().masterKey };
    await expectProblem(await invoke({ ...key, origin: 'http://evil.example' }), 403);
    expect(stack().masterKey).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('refuses a Host that is not local or allowed, and builds Location and statusUrl from the checked one', async () => {
    const token = await signIn(stack().urls.functions, 'olga');
    const body = JSON.stringify({ items: [{ sku: 'MUG-CERAMIC', quantity: 1 }] });
    const post = (host: string) =>
      rawRequest(
        Number(port()),
        `POST /api/orders HTTP/1.1\r\nHost: ${host}\r\nX-ZUMO-AUTH: ${token}\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    const rebound = await post('attacker.example');
    expect(rebound.status).toBe(403);
    expect(rebound.headers.get('content-type')).toContain('application/problem+json');

    const allowed = await post(`Orders.Test:${port()}`);
    expect(allowed.status).toBe(202);
    const { statusUrl, orderId } = JSON.parse(allowed.body) as { statusUrl: string; orderId: string };
    expect(statusUrl).toBe(`http://orders.test:${port()}/api/orders/${orderId}`);
    expect(allowed.headers.get('location')).toBe(statusUrl);
  });

  it('keeps /_local to pages of its own site: another origin gets a problem, not message bodies', async () => {
    const own = await fetch(url('/_local/servicebus'), { headers: { origin: stack().urls.functions } });
    expect(own.status).toBe(200);
    // An origin the host's CORS allows is still another origin for /_local.
    const corsAllowed = await fetch(url('/_local/servicebus'), { headers: { origin: 'http://localhost:5173' } });
    const problem = await expectProblem(corsAllowed, 403);
    expect(problem.detail).toContain('message bodies');
    await expectProblem(await fetch(url('/_local/health'), { method: 'POST' }), 405);
    await expectProblem(await fetch(url('/_local/nothing')), 404);
  });

  it('answers unknown routes and wrong methods of the app with problem+json', async () => {
    const headers = { 'x-zumo-auth': await signIn(stack().urls.functions, 'petra') };
    await expectProblem(await fetch(url('/api/nothing-here'), { headers }), 404);
    // A wrong method is no route match, as in the Functions host: 404, naming the methods that would answer.
    const wrong = await fetch(url('/api/orders'), { method: 'DELETE', headers });
    await expectProblem(wrong, 404);
  });
});
