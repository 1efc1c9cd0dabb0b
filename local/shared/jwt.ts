import { createHmac, timingSafeEqual } from 'node:crypto';

/** HS256 JWT claims (Easy Auth session tokens, SignalR access tokens); values stay JSON. */
export type JwtClaims = Record<string, unknown>;

const HEADER = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));

function base64url(text: string | Buffer): string {
  return Buffer.from(text).toString('base64url');
}

function hmac(key: string | Buffer, data: string): Buffer {
  // Azure signs with the UTF-8 bytes of the AccessKey string, not its base64 decoding.
  return createHmac('sha256', typeof key === 'string' ? Buffer.from(key, 'utf8') : key)
    .update(data)
    .digest();
}

/** Signs `claims` as an HS256 JWT with `key`. */
export function signJwt(claims: JwtClaims, key: string | Buffer): string {
  const body = `${HEADER}.${base64url(JSON.stringify(claims))}`;
  return `${body}.${hmac(key, body).toString('base64url')}`;
}

export class JwtError extends Error {
  override name = 'JwtError';
}

/**
 * Verifies an HS256 JWT signed with `key` and not expired at `nowMs`; returns its claims.
 * `kid` is ignored on purpose: for access-key tokens the .NET SDK fills it with a per-process hash.
 */
export function verifyJwt(token: string, key: string | Buffer, nowMs: number): JwtClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('the token is not a JWT (expected three dot-separated parts)');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJson(headerPart, 'header');
  if (header.alg !== 'HS256') throw new JwtError(`unsupported signing algorithm ${String(header.alg)} (only HS256)`);
  const expected = hmac(key, `${headerPart}.${payloadPart}`);
  const actual = Buffer.from(signaturePart, 'base64url');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    throw new JwtError('the token signature does not match the AccessKey');
  }
  const claims = decodeJson(payloadPart, 'payload');
  if (typeof claims.exp !== 'number') throw new JwtError('the token has no numeric exp claim');
  if (claims.exp * 1000 <= nowMs)
    throw new JwtError(`the token expired at ${new Date(claims.exp * 1000).toISOString()}`);
  return claims;
}

function decodeJson(part: string, what: string): JwtClaims {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as JwtClaims;
  } catch {
    // fall through to the error below
  }
  throw new JwtError(`the token ${what} is not a JSON object`);
}
