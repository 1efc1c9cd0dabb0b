import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The key that signs Easy Auth session tokens. Kept per data dir so a restart keeps users signed in; with no
 * data dir (in-memory stacks) every start gets a fresh one, which signs everybody out.
 */
export function loadOrCreateAuthSecret(dataDir: string | undefined): Buffer {
  if (!dataDir) return randomBytes(32);
  const dir = join(dataDir, 'auth');
  const file = join(dir, 'secret');
  if (existsSync(file)) {
    const secret = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (secret.length >= 32) return secret;
  }
  mkdirSync(dir, { recursive: true });
  const secret = randomBytes(32);
  writeFileSync(file, secret.toString('base64'), { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
