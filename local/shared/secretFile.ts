import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * A random secret of at least 32 bytes kept in `file` (base64, readable by its owner only), created on first use;
 * with no file, a fresh one every call, for parts that keep nothing between runs.
 */
export function loadOrCreateSecret(file: string | undefined): Buffer {
  if (!file) return randomBytes(32);
  if (existsSync(file)) {
    const secret = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (secret.length >= 32) return secret;
  }
  mkdirSync(dirname(file), { recursive: true });
  const secret = randomBytes(32);
  writeFileSync(file, secret.toString('base64'), { mode: 0o600 });
  chmodSync(file, 0o600);
  return secret;
}
