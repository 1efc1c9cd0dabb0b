import { request, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFunctionsHost, type FunctionsHost } from '../../local/host/index.js';
import { CaptureLogger } from './helpers/captureLogger.js';
import { copyFixture, type FixtureApp } from './helpers/fixtureApp.js';

let app: FixtureApp;
let host: FunctionsHost;
const logger = new CaptureLogger();

beforeAll(async () => {
  app = copyFixture('stream-app');
  host = await startFunctionsHost({ appDir: app.dir, port: 0, env: {}, logger });
});

afterAll(async () => {
  await host?.close();
  app?.remove();
});

/** The next chunk of a response body as text. */
const nextChunk = (res: IncomingMessage): Promise<string> =>
  new Promise((resolve, reject) => {
    res.once('data', (chunk: Buffer) => resolve(chunk.toString('utf8')));
    res.once('error', reject);
  });

const rest = async (res: IncomingMessage): Promise<string> => {
  let text = '';
  for await (const chunk of res) text += (chunk as Buffer).toString('utf8');
  return text;
};

describe('HTTP streaming (app.setup({ enableHttpStream: true }))', () => {
  it('passes a response on chunk by chunk, before the function has finished writing it', async () => {
    const res = await fetch(`${host.url}/api/ticker`);
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('first;');
    expect(await (await fetch(`${host.url}/api/release`, { method: 'POST' })).text()).toBe('released');
    let tail = '';
    for (let part = await reader.read(); !part.done; part = await reader.read())
      tail += new TextDecoder().decode(part.value);
    expect(tail).toBe('second');
  });

  it('streams the request and the response at the same time', async () => {
    const url = new URL(`${host.url}/api/echo`);
    const req = request(url, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } });
    const response = new Promise<IncomingMessage>((resolve) => req.once('response', resolve));
    req.write('one');
    const res = await response;
    // The function has answered the first chunk while the request is still open.
    expect(await nextChunk(res)).toBe('got one;');
    req.end('two');
    expect(await rest(res)).toBe('got two;');
    expect(res.headers['content-type']).toBe('text/plain');
  });

  it('gives the function the URL, route values, query, headers, and writes its cookies', async () => {
    const res = await fetch(`${host.url}/api/about/42?q=yes`, { headers: { 'x-test': 'sent' } });
    expect(await res.json()).toEqual({ url: `${host.url}/api/about/42?q=yes`, id: '42', query: 'yes', header: 'sent' });
    expect(res.headers.get('set-cookie')).toContain('seen=yes');
    expect(res.headers.get('x-ms-invocation-id')).toBeNull();
  });

  it('answers 500 when the function throws, and keeps serving', async () => {
    expect((await fetch(`${host.url}/api/boom`)).status).toBe(500);
    expect(logger.messages().join('\n')).toMatch(/Executed 'Functions\.boom' \(Failed/);
    expect((await fetch(`${host.url}/api/about/1`)).status).toBe(200);
  });
});
