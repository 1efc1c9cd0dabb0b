import { join } from 'node:path';
import { loadOrCreateSecret } from '../shared/secretFile.js';

/**
 * The key that signs Easy Auth session tokens. Kept per data dir so a restart keeps users signed in; with no
 * data dir (in-memory stacks) every start gets a fresh one, which signs everybody out.
 */
export function loadOrCreateAuthSecret(dataDir: string | undefined): Buffer {
  return loadOrCreateSecret(dataDir ? join(dataDir, 'auth', 'secret') : undefined);
}

/** Where a data dir keeps the sessions signed out before they expire (see openRevocations). */
export function revocationsFile(dataDir: string): string {
  return join(dataDir, 'auth', 'revoked');
}
