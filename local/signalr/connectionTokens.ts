import { createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto';

/** Connection ids: 16 random bytes, base64url (22 characters, never a `.`). */
export function newConnectionId(): string {
  return randomBytes(16).toString('base64url');
}

const ID_LENGTH = 22;
/** 24 bytes of the HMAC: 192 bits to guess, and base64url without padding (32 characters). */
const MAC_BYTES = 24;
const TOKEN_LENGTH = ID_LENGTH + 1 + (MAC_BYTES / 3) * 4;

/**
 * The secret connection tokens of negotiate v1, derived from the connection id rather than stored:
 * `<id>.<base64url(HMAC-SHA256(secret, id))>`, the HMAC truncated to 24 bytes, keyed by a random secret of this
 * service instance. The id is not secret (upstream and REST callers see it); without the secret no one can turn
 * it into its token, and a token of another instance, or of this one before a restart, fails the check.
 */
export class ConnectionTokens {
  readonly #secret: KeyObject = createSecretKey(randomBytes(32));

  issue(id: string): string {
    return `${id}.${this.#mac(id)}`;
  }

  /** The connection id `token` was issued for, or undefined if this service did not issue it. */
  idOf(token: string): string | undefined {
    // The shape is public; only the comparison of the MAC itself must not depend on where it differs.
    if (token.length !== TOKEN_LENGTH || token[ID_LENGTH] !== '.') return undefined;
    const id = token.slice(0, ID_LENGTH);
    const given = Buffer.from(token.slice(ID_LENGTH + 1), 'utf8');
    const expected = Buffer.from(this.#mac(id), 'latin1');
    return given.length === expected.length && timingSafeEqual(given, expected) ? id : undefined;
  }

  #mac(id: string): string {
    return createHmac('sha256', this.#secret).update(id).digest().subarray(0, MAC_BYTES).toString('base64url');
  }
}
