import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Clock } from '../shared/clock.js';
import { JwtError, signJwt, verifyJwt } from '../shared/jwt.js';
import type { SignedInUser } from './principal.js';
import type { Revocations } from './revocations.js';

export const SESSION_COOKIE = 'AppServiceAuthSession';
export const TOKEN_HEADER = 'x-zumo-auth';
export const PROVIDER = 'dev';
const AUDIENCE = 'local-easy-auth';

export type Session = SignedInUser & { sessionId: string; expiresOn: Date; token: string };

/** What a request's credentials amount to: a session, a token header that is no good, or a stale cookie. */
export type Authentication = { session?: Session; invalidHeader?: string; staleCookie?: boolean };

function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/** Easy Auth session tokens: HS256, expiring, and refused once signed out. */
export class SessionTokens {
  constructor(
    private readonly secret: Buffer,
    private readonly clock: Clock,
    private readonly lifetimeMs: number,
    readonly revocations: Revocations,
  ) {}

  async issue(userId: string, name = userId): Promise<{ token: string; expiresOn: Date }> {
    const now = this.clock.now();
    const expiresOn = new Date(now + this.lifetimeMs);
    const claims = {
      sub: userId,
      name,
      idp: PROVIDER,
      sid: randomUUID(),
      aud: AUDIENCE,
      iat: Math.floor(now / 1000),
      exp: Math.floor(expiresOn.getTime() / 1000),
    };
    return { token: await signJwt(claims, this.secret), expiresOn };
  }

  async read(token: string): Promise<Session> {
    const claims = await verifyJwt(token, this.secret, { nowMs: this.clock.now(), audience: AUDIENCE });
    const { sub, name, idp, sid, exp } = claims;
    if (typeof sub !== 'string' || typeof sid !== 'string' || typeof exp !== 'number') {
      throw new JwtError('the token is not a session token');
    }
    if (this.revocations.has(sid)) throw new JwtError('the session has been signed out');
    return {
      userId: sub,
      name: typeof name === 'string' ? name : sub,
      identityProvider: typeof idp === 'string' ? idp : PROVIDER,
      sessionId: sid,
      expiresOn: new Date(exp * 1000),
      token,
    };
  }

  /** The session a request carries: the token header wins over the cookie, as in App Service. */
  async authenticate(req: IncomingMessage): Promise<Authentication> {
    const header = req.headers[TOKEN_HEADER];
    if (typeof header === 'string' && header !== '') {
      try {
        return { session: await this.read(header) };
      } catch (error) {
        return { invalidHeader: error instanceof Error ? error.message : String(error) };
      }
    }
    const cookie = readCookie(req, SESSION_COOKIE);
    if (!cookie) return {};
    try {
      return { session: await this.read(cookie) };
    } catch {
      return { staleCookie: true };
    }
  }
}
