import { createHmac, timingSafeEqual } from 'node:crypto';

/** HS256 JSON Web Tokens with node:crypto: what Easy Auth session tokens and SignalR access tokens both use. */
export type JwtClaims = Record<string, unknown> & { exp?: number; nbf?: number; iat?: number; aud?: string | string[] };

export class JwtError extends Error {
  constructor(
    message: string,
    readonly reason: 'malformed' | 'signature' | 'expired' | 'not-yet-valid' | 'audience',
  ) {
    super(message);
    this.name = 'JwtError';
  }
}

const HEADER = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');

function sign(input: string, key: string | Buffer): string {
  return createHmac('sha256', key).update(input).digest('base64url');
}

export function signJwt(claims: JwtClaims, key: string | Buffer): string {
  const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${HEADER}.${payload}.${sign(`${HEADER}.${payload}`, key)}`;
}

/**
 * Verifies signature, `exp`/`nbf` against `nowMs` (with a small skew allowance) and, when given, the audience.
 * Only HS256 is accepted: a token that names another algorithm (including `none`) is refused.
 */
export function verifyJwt(
  token: string,
  key: string | Buffer,
  options: { nowMs: number; audience?: (aud: string) => boolean; clockSkewSeconds?: number },
): JwtClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('The token is not a JWT.', 'malformed');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  let header: { alg?: unknown };
  let claims: JwtClaims;
  try {
    header = JSON.parse(Buffer.from(headerPart, 'base64url').toString('utf8')) as { alg?: unknown };
    claims = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8')) as JwtClaims;
  } catch {
    throw new JwtError('The token is not a JWT.', 'malformed');
  }
  if (header.alg !== 'HS256' || typeof claims !== 'object' || claims === null) {
    throw new JwtError('The token must be signed with HS256.', 'malformed');
  }
  const expected = Buffer.from(sign(`${headerPart}.${payloadPart}`, key));
  const actual = Buffer.from(signaturePart);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    throw new JwtError('The token signature is invalid.', 'signature');
  }
  const now = options.nowMs / 1000;
  const skew = options.clockSkewSeconds ?? 0;
  if (typeof claims.exp !== 'number' || claims.exp + skew <= now) {
    throw new JwtError('The token has expired.', 'expired');
  }
  if (typeof claims.nbf === 'number' && claims.nbf - skew > now) {
    throw new JwtError('The token is not valid yet.', 'not-yet-valid');
  }
  if (options.audience) {
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.some((aud) => typeof aud === 'string' && options.audience?.(aud))) {
      throw new JwtError('The token was issued for another audience.', 'audience');
    }
  }
  return claims;
}
