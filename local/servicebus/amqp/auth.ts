import { createHmac, timingSafeEqual } from 'node:crypto';

/** Shared access keys the endpoint accepts: key name → key (what a connection string's SharedAccessKeyName/Key hold). */
export type SharedAccessKeys = ReadonlyMap<string, string>;

export class UnauthorizedError extends Error {
  override readonly name = 'UnauthorizedError';
}

const SAS_PREFIX = 'SharedAccessSignature ';

function tokenFields(token: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of token.slice(SAS_PREFIX.length).split('&')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).toLowerCase(), part.slice(eq + 1));
  }
  return fields;
}

function sign(key: string, text: string): Buffer {
  return createHmac('sha256', key).update(text).digest();
}

/** Resource paths compare case-insensitively without the host, which is whatever name reached this machine. */
export function resourcePath(audience: string): string {
  let path = audience;
  try {
    path = new URL(audience).pathname;
  } catch {
    // Not a URL: already a path.
  }
  return decodeURIComponent(path)
    .replace(/^\/+|\/+$/g, '')
    .toLowerCase();
}

/**
 * Checks a SAS token (`SharedAccessSignature sr=…&sig=…&se=…&skn=…`) as Service Bus does: known key name, HMAC-SHA256
 * of `sr + "\n" + se` with that key, not expired, and `sr` covering the audience asked for. Returns its expiry.
 */
export function verifySasToken(token: string, audience: string, keys: SharedAccessKeys, nowMs: number): number {
  if (!token.startsWith(SAS_PREFIX)) throw new UnauthorizedError('The token is not a SharedAccessSignature.');
  const fields = tokenFields(token);
  const [sr, sig, se, skn] = ['sr', 'sig', 'se', 'skn'].map((name) => fields.get(name));
  if (!sr || !sig || !se || !skn) {
    throw new UnauthorizedError('The SharedAccessSignature needs sr, sig, se and skn.');
  }
  const keyName = decodeURIComponent(skn);
  const key = keys.get(keyName);
  if (key === undefined) {
    throw new UnauthorizedError(`The SharedAccessKeyName '${keyName}' is not one of the keys of this namespace.`);
  }
  const expected = sign(key, `${sr}\n${se}`);
  const given = Buffer.from(decodeURIComponent(sig), 'base64');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new UnauthorizedError(`The SharedAccessSignature is not signed with the key '${keyName}'.`);
  }
  const expiresAt = Number(se) * 1000;
  if (!Number.isFinite(expiresAt) || expiresAt <= nowMs) {
    throw new UnauthorizedError(`The SharedAccessSignature expired at ${new Date(expiresAt).toISOString()}.`);
  }
  const scope = resourcePath(decodeURIComponent(sr));
  if (!covers(scope, resourcePath(audience))) {
    throw new UnauthorizedError(
      `The SharedAccessSignature for '${decodeURIComponent(sr)}' does not cover '${audience}'.`,
    );
  }
  return expiresAt;
}

function covers(scope: string, path: string): boolean {
  return scope === '' || path === scope || path.startsWith(`${scope}/`);
}

/** SASL PLAIN with a key name and its key, which Service Bus also accepts. */
export function verifyPlain(keys: SharedAccessKeys, username: string, password: string): boolean {
  const key = keys.get(username);
  if (key === undefined) return false;
  const a = Buffer.from(key);
  const b = Buffer.from(password);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * What one connection may touch: everything once it authenticated with a key (SASL PLAIN), otherwise the
 * resources its `$cbs` tokens cover, until they expire.
 */
export class ConnectionGrants {
  readonly #claims = new Map<string, number>();
  #allAccess = false;

  grantAll(): void {
    this.#allAccess = true;
  }

  grant(audience: string, expiresAt: number): void {
    this.#claims.set(resourcePath(audience), expiresAt);
  }

  /** Throws unless `entityPath` (e.g. `orders`, `orders/$management`) is covered by a token that has not expired. */
  check(entityPath: string, nowMs: number): void {
    if (this.#allAccess) return;
    const path = resourcePath(entityPath);
    for (const [scope, expiresAt] of this.#claims) {
      if (expiresAt > nowMs && covers(scope, path)) return;
    }
    throw new UnauthorizedError(
      `Unauthorized access to '${entityPath}': put a SharedAccessSignature token for it on $cbs first (the Service Bus SDKs do this from the connection string).`,
    );
  }
}
