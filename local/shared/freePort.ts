import { createServer } from 'node:net';

/**
 * A port that was free a moment ago, for a part that must be told its port before it is up (the stack starts
 * Azurite's process in parallel with everything that needs its address). The OS hands out ports in sequence,
 * so another process grabbing this one in between is unlikely; if it happens, the part fails to listen loudly.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}
