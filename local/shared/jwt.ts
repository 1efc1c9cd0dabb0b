import { webcrypto } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';

/** HS256 JWT claims (Easy Auth session tokens, SignalR access tokens); values stay JSON. */
export type JwtClaims = Record<string, unknown>;

/** A signing key: the UTF-8 bytes of a string (Azure signs with the AccessKey string itself), or raw bytes. */
export type JwtKey = string | Uint8Array;

/** How far `nbf` and `iat` may lie ahead of the verifier's clock (`exp` has none: a token ends when it says). */
export const CLOCK_SKEW_SECONDS = 30;

export class JwtError extends Error {
  override name = 'JwtError';
  constructor(
    message: string,
    /** Set when only the audience was wrong: the (verified) audiences the token names. */
    readonly audiences?: readonly string[],
  ) {
    super(message);
  }
}

export interface VerifyJwtOptions {
  /** The verifier's clock, in ms since the epoch. */
  nowMs: number;
  /**
   * What `aud` must be: the exact string, or a test each audience is put to (a list `aud` passes when one of its
   * members does).
   */
  audience: string | ((audience: string) => boolean);
  /** Names the audience in the error ("the REST URL", "a client URL of hub 'orders'"). */
  audienceName?: string;
  /**
   * Whether a token whose signature checks out joins the memo below (default true). A caller that sees each token
   * once and keeps its claims itself says false: thousands of one-off tokens churning through the memo would each
   * outlive a young-generation collection and die in the old one.
   */
  remember?: boolean;
}

const ENCODER = new TextEncoder();
const CANONICAL_PART = /^[A-Za-z0-9_-]*$/;

// Importing a key costs as much as the HMAC itself, and a process signs with one or two keys: import each once.
const importedStrings = new Map<string, Promise<webcrypto.CryptoKey>>();
const importedBytes = new WeakMap<Uint8Array, Promise<webcrypto.CryptoKey>>();

function cryptoKey(key: JwtKey): Promise<webcrypto.CryptoKey> {
  const known = typeof key === 'string' ? importedStrings.get(key) : importedBytes.get(key);
  if (known) return known;
  const bytes = typeof key === 'string' ? ENCODER.encode(key) : key;
  const imported = webcrypto.subtle.importKey('raw', bytes, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
    'verify',
  ]);
  if (typeof key === 'string') importedStrings.set(key, imported);
  else importedBytes.set(key, imported);
  return imported;
}

/**
 * Tokens whose signature checked out under a key, with their claims. HS256 is deterministic, so the same string
 * under the same key verifies the same way every time: only the time and audience checks are repeated. A host
 * sees the same few tokens over and over (a session's X-ZUMO-AUTH on every request, one REST token per URL and
 * second), and WebCrypto's HMAC costs an order of magnitude more than these checks.
 */
const verifiedTokens = new Map<string, { key: JwtKey; claims: JwtClaims }>();
/** Signed tokens by key and claims: signing the same claims again would give the same string. */
const signedTokens = new Map<string, { key: JwtKey; token: string }>();
const TOKEN_CACHE_SIZE = 1024;

function remember<V>(cache: Map<string, V>, id: string, value: V): void {
  if (cache.size >= TOKEN_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(id, value);
}

/** Signs `claims` as an HS256 JWT. The caller sets `exp` (and `iat`, `nbf`): every token must expire. */
export async function signJwt(claims: JwtClaims, key: JwtKey): Promise<string> {
  if (typeof claims.exp !== 'number') throw new JwtError('signJwt: claims need a numeric exp');
  const id = JSON.stringify(claims);
  const known = signedTokens.get(id);
  if (known?.key === key) return known.token;
  const token = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(await cryptoKey(key));
  remember(signedTokens, id, { key, token });
  return token;
}

/**
 * Verifies an HS256 JWT: signature, encoding, `exp` (required), `nbf` and `iat` (not ahead of `nowMs` beyond
 * the skew) and the audience; returns its claims. `kid` is ignored on purpose: for access-key tokens the .NET
 * SDK fills it with a per-process hash.
 */
export async function verifyJwt(token: string, key: JwtKey, options: VerifyJwtOptions): Promise<JwtClaims> {
  const known = verifiedTokens.get(token);
  const payload =
    known?.key === key
      ? known.claims
      : await verifySignature(token, key, Math.floor(options.nowMs / 1000), options.remember ?? true);
  return checkVerifiedClaims(payload, options);
}

/**
 * The checks of `verifyJwt` that depend on the moment and the place (`exp`, `nbf`, `iat`, audience), for claims of
 * a token whose signature `verifyJwt` checked before; returns a copy of them.
 */
export function checkVerifiedClaims(payload: JwtClaims, options: VerifyJwtOptions): JwtClaims {
  const now = Math.floor(options.nowMs / 1000);
  // jose applies its tolerance to exp as well; expiry is kept exact here.
  const exp = payload.exp as number; // required and numeric, as jose checked
  if (exp <= now) throw new JwtError(`the token expired at ${new Date(exp * 1000).toISOString()}`);
  if (typeof payload.nbf === 'number' && payload.nbf > now + CLOCK_SKEW_SECONDS) {
    throw new JwtError(`the token is not valid before ${new Date(payload.nbf * 1000).toISOString()}`);
  }
  if (typeof payload.iat === 'number' && payload.iat > now + CLOCK_SKEW_SECONDS) {
    throw new JwtError(`the token was issued in the future (iat ${new Date(payload.iat * 1000).toISOString()})`);
  }
  const test = options.audience;
  const matches = typeof test === 'string' ? (aud: string) => aud === test : test;
  const audiences = (Array.isArray(payload.aud) ? payload.aud : [payload.aud]).filter((a) => typeof a === 'string');
  if (!audiences.some(matches)) {
    const expected = options.audienceName ?? (typeof test === 'string' ? test : 'the expected audience');
    const got = audiences.length > 0 ? `'${audiences.join("', '")}'` : 'no audience';
    throw new JwtError(`the token audience must be ${expected}, got ${got}`, audiences);
  }
  return { ...payload };
}

/** The cryptographic half of verifying (encoding, algorithm, signature, claim types), remembered on success. */
async function verifySignature(token: string, key: JwtKey, now: number, memo: boolean): Promise<JwtClaims> {
  requireCanonicalEncoding(token);
  let payload: JwtClaims;
  try {
    ({ payload } = await jwtVerify(token, await cryptoKey(key), {
      algorithms: ['HS256'],
      requiredClaims: ['exp'],
      clockTolerance: CLOCK_SKEW_SECONDS,
      currentDate: new Date(now * 1000),
    }));
  } catch (error) {
    throw new JwtError(describe(error));
  }
  if (memo) remember(verifiedTokens, token, { key, claims: payload });
  return payload;
}

/**
 * Base64url decoders accept padding and ignore stray low bits, so one signature has many spellings. A token is
 * taken only in the one canonical spelling of each of its parts.
 */
function requireCanonicalEncoding(token: string): void {
  const parts = token.split('.');
  if (parts.length !== 3) throw new JwtError('the token is not a JWT (expected three dot-separated parts)');
  for (const [index, part] of parts.entries()) {
    if (!CANONICAL_PART.test(part) || Buffer.from(part, 'base64url').toString('base64url') !== part) {
      throw new JwtError(`the token's ${['header', 'payload', 'signature'][index]} is not canonical base64url`);
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof errors.JWTExpired) return `the token expired (${error.message})`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token signature does not match the key';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'unsupported signing algorithm (only HS256)';
  if (error instanceof errors.JWTClaimValidationFailed) return `the token is refused: ${error.message}`;
  if (error instanceof errors.JOSEError) return `the token is not valid: ${error.message}`;
  throw error;
}
