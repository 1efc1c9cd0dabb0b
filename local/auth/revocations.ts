import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Signed-out sessions until their tokens expire: after that a token is refused anyway, so it is forgotten. */
export interface Revocations {
  has(sessionId: string): boolean;
  /** Resolves once the sign-out is durable (when there is a file). */
  add(sessionId: string, expiresAtMs: number): Promise<void>;
}

const SESSION_ID = /^[0-9a-f-]{36}$/;

/**
 * Revocations kept in `file`, one `sessionId expiresAtMs` line per sign-out, appended and fsynced before logout
 * answers, so a signed-out token stays refused across restarts with the same data dir. Opening reads the file
 * and rewrites it without the sessions that have expired, so it never grows beyond the live ones. Without a file
 * (in-memory stacks) they live in memory only; those stacks sign everybody out on restart anyway.
 */
export function openRevocations(file: string | undefined, now: number): Revocations {
  const revoked = new Map<string, number>();
  if (file && existsSync(file)) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const [sessionId, expires] = line.trim().split(' ');
      const expiresAt = Number(expires);
      // A torn last line (a crash mid-append) is skipped: that logout had not been answered yet.
      if (sessionId && SESSION_ID.test(sessionId) && Number.isFinite(expiresAt) && expiresAt > now) {
        revoked.set(sessionId, expiresAt);
      }
    }
  }
  if (file) {
    mkdirSync(dirname(file), { recursive: true });
    const live = [...revoked].map(([id, at]) => `${id} ${at}\n`).join('');
    writeFileSync(`${file}.tmp`, live, { mode: 0o600 });
    renameSync(`${file}.tmp`, file);
  }
  let appending: Promise<void> = Promise.resolve();
  return {
    has: (sessionId) => revoked.has(sessionId),
    add(sessionId, expiresAtMs) {
      if (revoked.has(sessionId)) return appending;
      revoked.set(sessionId, expiresAtMs);
      if (!file) return Promise.resolve();
      // One append at a time, in order, each synced to disk before its logout is answered.
      appending = appending
        .catch(() => undefined)
        .then(async () => {
          const handle = await open(file, 'a', 0o600);
          try {
            await handle.write(`${sessionId} ${expiresAtMs}\n`);
            await handle.sync();
          } finally {
            await handle.close();
          }
        });
      return appending;
    },
  };
}
