import { closeSync, mkdirSync, openSync, statSync, unlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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
/**
 * Choices of other processes on this machine (parallel test files, two stacks): one empty file per port chosen,
 * taken with an exclusive create, so two processes never choose the same port within RESERVED_MS of each other —
 * longer than any part takes from being told its port to listening on it.
 */
const RESERVATIONS = join(tmpdir(), 'order-notifications-ports');
const RESERVED_MS = 60_000;

function remember(port: number): number {
  if (given.size >= MAX_GIVEN) given.delete(given.values().next().value!);
  given.add(port);
  return port;
}

/**
 * Takes `port` for this process unless another took it less than RESERVED_MS ago. Without a usable folder it
 * takes the port, leaving the listen probe as the only check.
 */
function reserve(port: number): boolean {
  const file = join(RESERVATIONS, String(port));
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      closeSync(openSync(file, 'wx'));
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') {
        if (Date.now() - mtimeOf(file) < RESERVED_MS) return false;
        // A stale reservation: removed, then raced for with the exclusive create like a fresh one.
        unlinkQuietly(file);
      } else if (code !== 'ENOENT' || !madeFolder()) {
        return true;
      }
    }
  }
  return false;
}

/** The reservations' folder exists now (made here or by another process); not recursive: tmpdir exists. */
function madeFolder(): boolean {
  try {
    mkdirSync(RESERVATIONS);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EEXIST';
  }
}

function mtimeOf(file: string): number {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return 0;
  }
}

function unlinkQuietly(file: string): void {
  try {
    unlinkSync(file);
  } catch {
    // Another process removed it first.
  }
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
 * ephemeral range and reserved against the same choice by this process (of its last 2,000) and by other
 * processes on the machine (for a minute); if something else takes it in between, the part fails to listen
 * loudly. Falls back to a port from the OS when none of the tries was free.
 */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  for (let i = 0; i < TRIES; i++) {
    const candidate = LOW + Math.floor(Math.random() * (HIGH - LOW + 1));
    if (given.has(candidate) || !reserve(candidate)) continue;
    const port = await tryListen(candidate, host);
    if (port !== undefined) return remember(port);
  }
  const port = await tryListen(0, host);
  if (port === undefined) throw new Error(`no free port on ${host}`);
  return remember(port);
}
