import { signJwt, type JwtClaims } from '../shared/jwt.js';

export interface ClientAccessTokenOptions {
  /** Client endpoint (`clientEndpoint` of a parsed connection string), e.g. `http://localhost:8888`. */
  endpoint: string;
  accessKey: string;
  hub: string;
  userId?: string;
  /** Defaults to one hour, as the Functions extension does. */
  lifetimeMs?: number;
  /** Extra claims; names that collide with system claims are renamed `asrs.u.<name>` as Azure does. */
  claims?: Record<string, string | number | boolean | string[]>;
  /** Issue time in ms since the epoch; defaults to now. */
  nowMs?: number;
}

/** What `signalRConnectionInfo` yields and the app's negotiate returns: the client follows it as a redirect. */
export interface SignalRConnectionInfo {
  url: string;
  accessToken: string;
}

export const DEFAULT_TOKEN_LIFETIME_MS = 60 * 60 * 1000;
const SYSTEM_CLAIMS = new Set(['aud', 'exp', 'iat', 'nbf', 'iss', 'sub', 'jti', 'nameid']);
/** The claims naming the user, in the order Azure resolves them. */
const USER_ID_CLAIMS = ['asrs.s.uid', 'nameid', 'sub'];

/** The URL clients are redirected to for `hub`; hub names are lowercased as the SDK does. */
export function clientUrl(endpoint: string, hub: string): string {
  return `${endpoint.replace(/\/+$/, '')}/client/?hub=${encodeURIComponent(hub.toLowerCase())}`;
}

/** Mints `{ url, accessToken }` like the Functions extension: audience = client URL, `nameid` = user id, `exp`. */
export async function mintClientAccessToken(options: ClientAccessTokenOptions): Promise<SignalRConnectionInfo> {
  if (!options.hub) throw new Error('mintClientAccessToken: hub is required');
  if (!options.accessKey) throw new Error('mintClientAccessToken: accessKey is required');
  const lifetimeMs = options.lifetimeMs ?? DEFAULT_TOKEN_LIFETIME_MS;
  if (!(lifetimeMs > 0)) throw new Error(`mintClientAccessToken: lifetimeMs must be positive, got ${lifetimeMs}`);
  const url = clientUrl(options.endpoint, options.hub);
  const now = Math.floor((options.nowMs ?? Date.now()) / 1000);
  // Claim names come from outside (an id token's claims): a null prototype keeps `__proto__` a plain name.
  const claims: JwtClaims = Object.create(null) as JwtClaims;
  for (const [name, value] of Object.entries(options.claims ?? {})) {
    claims[SYSTEM_CLAIMS.has(name) ? `asrs.u.${name}` : name] = value;
  }
  if (options.userId !== undefined && options.userId !== '') claims.nameid = options.userId;
  Object.assign(claims, { aud: url, iat: now, nbf: now, exp: now + Math.ceil(lifetimeMs / 1000) });
  return { url, accessToken: await signJwt(claims, options.accessKey) };
}

/**
 * A bearer token for one REST call; Azure wants `aud` = the request URL without its query. `url` is taken as
 * written (origin and percent-encoded path), not normalized, so it names exactly the path that is sent.
 */
export function mintRestAccessToken(url: string, accessKey: string, nowMs = Date.now()): Promise<string> {
  const now = Math.floor(nowMs / 1000);
  return signJwt({ aud: url.split('?')[0], iat: now, nbf: now, exp: now + 5 * 60 }, accessKey);
}

/** The user a client token belongs to: `asrs.s.uid` first, then `nameid`, then `sub` (as Azure resolves it). */
export function userIdFromClaims(claims: JwtClaims): string | undefined {
  for (const name of USER_ID_CLAIMS) {
    const value = claims[name];
    if (typeof value === 'string' && value !== '') return value;
  }
  return undefined;
}
