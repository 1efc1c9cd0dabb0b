import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../local/shared/freePort.js';

const listenOn = (port: number) =>
  new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });

describe('freePort', () => {
  it('gives ports below the ephemeral range that can be listened on', async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    for (const port of ports) {
      expect(port).toBeGreaterThanOrEqual(20_000);
      expect(port).toBeLessThan(32_768);
      const server = await listenOn(port);
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('never gives the same port twice, though each is free again once chosen', async () => {
    // 300 random draws from the 12,768 ports would repeat one about 97% of the time.
    const ports = new Set<number>();
    for (let i = 0; i < 300; i++) ports.add(await freePort());
    expect(ports.size).toBe(300);
  });
});
