import { createServer } from 'node:net';

// Below the ephemeral ranges (Linux 32768–60999; Windows, macOS 49152–65535), from which the OS picks both the
// ports of `listen(0)` and the local ports of outgoing connections: a port chosen here cannot be handed to
// either of those in the moment between choosing it and the part listening on it.
const LOW = 20_000;
const HIGH = 32_767;
const TRIES = 20;
/**
 * Ports this process handed out: a part is often told its port long before it listens (Azurite's blob and queue
 * services start once the app is indexed), and two choices of one start must never be the same port.
 */
const given = new Set<number>();
const MAX_GIVEN = 2_000;

function remember(port: number): number {
  if (given.size >= MAX_GIVEN) given.delete(given.values().next().value!);
  given.add(port);
  return port;
}

function tryListen(port: number, host: string): Promise<number | undefined> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(undefined));
    server.listen(port, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : undefined));
    });
  });
}

/**
 * A port that was free a moment ago, for a part that must be told its port before it is up (the stack starts
 * Azurite's process in parallel with everything that needs its address). Chosen at random below the OS's
 * ephemeral range, so only another such choice could take it in between; if that happens, the part fails to
 * listen loudly. A port this process chose before is never chosen again (of the last 2,000). Falls back to a
 * port from the OS when none of the tries was free.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < TRIES; i++) {
    const candidate = LOW + Math.floor(Math.random() * (HIGH - LOW + 1));
    if (given.has(candidate)) continue;
    const port = await tryListen(candidate, host);
    if (port !== undefined) return remember(port);
  }
  const port = await tryListen(0, host);
  if (port === undefined) throw new Error(`no free port on ${host}`);
  return remember(port);
}
