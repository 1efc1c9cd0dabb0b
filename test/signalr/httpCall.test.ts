import { createServer, type Server } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { httpCall } from '../../local/shared/httpCall.js';

describe('httpCall (keep-alive client of the REST and upstream calls)', () => {
  let server: Server | undefined;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  });

  async function serve(handler: Parameters<typeof createServer>[1]): Promise<URL> {
    server = createServer(handler);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/x`);
  }

  it('sends method, headers and body with a Content-Length, and reuses one connection', async () => {
    const sockets = new Set<unknown>();
    const url = await serve((req, res) => {
      sockets.add(req.socket);
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        res.setHeader('x-echo-length', req.headers['content-length'] ?? '');
        res.end(`${req.method} ${req.headers['x-test']} ${body}`);
      });
    });
    for (let i = 0; i < 3; i++) {
      const result = await httpCall(url, {
        method: 'POST',
        headers: { 'x-test': 'yes' },
        body: 'héllo',
        timeoutMs: 5000,
      });
      expect(result.status).toBe(200);
      expect(result.headers['x-echo-length']).toBe('6');
      expect(result.body.toString()).toBe('POST yes héllo');
    }
    expect(sockets.size).toBe(1);
  });

  it('rejects when no answer comes within the timeout, and for protocols it does not speak', async () => {
    const url = await serve(() => undefined); // never answers
    await expect(httpCall(url, { method: 'GET', timeoutMs: 50 })).rejects.toThrow('no answer within 50 ms');
    await expect(httpCall(new URL('ftp://127.0.0.1/'), { method: 'GET', timeoutMs: 50 })).rejects.toThrow(
      'Unsupported protocol ftp:',
    );
  });
});
