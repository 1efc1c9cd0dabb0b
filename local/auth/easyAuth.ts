import type { IncomingMessage, ServerResponse } from 'node:http';
import { systemClock, type Clock } from '../shared/clock.js';
import { sendProblem } from '../shared/problemJson.js';
import { answerAuthEndpoint } from './authEndpoints.js';
import { authProblems } from './authProblems.js';
import { isPlatformIdentityHeader, principalHeaders } from './principal.js';
import { openRevocations, type Revocations } from './revocations.js';
import { SessionTokens, TOKEN_HEADER } from './sessions.js';
import { traceAuth } from './authTracing.js';
import { refuseUnauthenticated, type UnauthenticatedAction } from './unauthenticatedAction.js';
import type { Telemetry } from '../telemetry/index.js';

export { SESSION_COOKIE, TOKEN_HEADER } from './sessions.js';

export type EasyAuthOptions = {
  /** Signs session tokens; see loadOrCreateAuthSecret. */
  secret: Buffer;
  clock?: Clock;
  /** App Service's default session lifetime is 8 hours. */
  sessionLifetimeMs?: number;
  /**
   * Origins (besides the site's own) that sign-in may redirect back to, like App Service's allowed external
   * redirect URLs; they may also post sign-ins and sign-outs (a web client on its own dev server).
   */
  allowedRedirectOrigins?: string[];
  /** Signed-out sessions; default in memory only (see openRevocations for the durable kind). */
  revocations?: Revocations;
  /**
   * Requests that need a session, as App Service's `requireAuthentication` (with its excluded paths) decides.
   * Default: none, every request goes through and the app decides.
   */
  requireAuthentication?: (url: URL) => boolean;
  /** What such a request without a session gets; default Return401 (how the deployment configures it). */
  unauthenticatedAction?: UnauthenticatedAction;
  /** Spans of sign-ins, sign-outs and each request's caller, while telemetry records. */
  telemetry?: Telemetry;
};

export type EasyAuth = {
  /** Answers `/.auth/*`, and for every other request replaces any client-sent principal with the real one. */
  middleware(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  issueToken(userId: string, name?: string): Promise<{ token: string; expiresOn: Date }>;
};

/**
 * Emulates App Service Authentication ("Easy Auth") with a `dev` provider that signs anybody in as the user id
 * they type. Tokens are HS256-signed and expire; logout revokes them (across restarts with durable revocations).
 */
export function createEasyAuth(options: EasyAuthOptions): EasyAuth {
  const clock = options.clock ?? systemClock;
  const sessions = new SessionTokens(
    options.secret,
    clock,
    options.sessionLifetimeMs ?? 8 * 60 * 60 * 1000,
    options.revocations ?? openRevocations(undefined, clock.now()),
  );
  const endpoints = {
    sessions,
    allowedOrigins: new Set(options.allowedRedirectOrigins ?? []),
    telemetry: options.telemetry,
  };

  async function middleware(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname.toLowerCase();
    if (path === '/.auth' || path.startsWith('/.auth/')) {
      await answerAuthEndpoint(endpoints, req, res, url, path);
      return true;
    }
    for (const name of Object.keys(req.headers)) {
      if (isPlatformIdentityHeader(name)) delete req.headers[name];
    }
    const { session, invalidHeader } = await sessions.authenticate(req);
    if (invalidHeader) {
      traceAuth(options.telemetry, req, 'refused', { reason: invalidHeader });
      sendProblem(res, authProblems.invalidToken(TOKEN_HEADER, invalidHeader));
      return true;
    }
    if (session) {
      Object.assign(req.headers, principalHeaders(session));
      traceAuth(options.telemetry, req, 'authenticated', { userId: session.userId });
    } else if (options.requireAuthentication?.(url)) {
      traceAuth(options.telemetry, req, 'refused', { reason: 'no session: sign in first' });
      refuseUnauthenticated(options.unauthenticatedAction ?? 'Return401', req, res, url);
      return true;
    }
    return false;
  }

  return { middleware, issueToken: (userId, name) => sessions.issue(userId, name) };
}
