import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { systemClock, type Clock } from '../shared/clock.js';
import { JwtError, signJwt, verifyJwt } from '../shared/jwt.js';
import { sendProblem } from '../shared/problemJson.js';
import { crossSiteRefusal } from '../shared/requestOrigin.js';
import { authProblems } from './authProblems.js';
import { loginPageHtml } from './loginPage.js';
import { isPlatformIdentityHeader, principalHeaders, userClaims, type SignedInUser } from './principal.js';
import { openRevocations, type Revocations } from './revocations.js';
import { traceAuth } from './authTracing.js';
import type { Telemetry } from '../telemetry/index.js';

export const SESSION_COOKIE = 'AppServiceAuthSession';
export const TOKEN_HEADER = 'x-zumo-auth';
const PROVIDER = 'dev';
const AUDIENCE = 'local-easy-auth';
const USER_ID_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;
const MAX_LOGIN_BODY = 4096;

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
   * Requests that need a session, answered 401 without one, as App Service's `requireAuthentication` with
   * `unauthenticatedClientAction: Return401` does (how the deployment configures it). Default: none.
   */
  requireAuthentication?: (url: URL) => boolean;
  /** Spans of sign-ins, sign-outs and each request's caller, while telemetry records. */
  telemetry?: Telemetry;
};

export type EasyAuth = {
  /** Answers `/.auth/*`, and for every other request replaces any client-sent principal with the real one. */
  middleware(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
  issueToken(userId: string, name?: string): Promise<{ token: string; expiresOn: Date }>;
};

type Session = SignedInUser & { sessionId: string; expiresOn: Date; token: string };

class LoginInputError extends Error {}

/**
 * Emulates App Service Authentication ("Easy Auth") with a `dev` provider that signs anybody in as the user id
 * they type. Tokens are HS256-signed and expire; logout revokes them (across restarts with durable revocations).
 */
export function createEasyAuth(options: EasyAuthOptions): EasyAuth {
  const clock = options.clock ?? systemClock;
  const lifetimeMs = options.sessionLifetimeMs ?? 8 * 60 * 60 * 1000;
  const revocations = options.revocations ?? openRevocations(undefined, clock.now());
  const allowedOrigins = new Set(options.allowedRedirectOrigins ?? []);
  const trustedOrigins = [...allowedOrigins];

  /** Same-site paths, or absolute URLs on an allowed origin: anything else would make sign-in an open redirect. */
  function safeRedirect(req: IncomingMessage, value: string | null | undefined, fallback = '/'): string {
    if (!value) return fallback;
    if (value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\')) return value;
    try {
      const target = new URL(value);
      const own = `http://${req.headers.host ?? ''}`;
      if (target.origin === own || allowedOrigins.has(target.origin)) return target.href;
    } catch {
      // not a URL: fall back
    }
    return fallback;
  }

  async function issueToken(userId: string, name = userId): Promise<{ token: string; expiresOn: Date }> {
    const now = clock.now();
    const expiresOn = new Date(now + lifetimeMs);
    const claims = {
      sub: userId,
      name,
      idp: PROVIDER,
      sid: randomUUID(),
      aud: AUDIENCE,
      iat: Math.floor(now / 1000),
      exp: Math.floor(expiresOn.getTime() / 1000),
    };
    return { token: await signJwt(claims, options.secret), expiresOn };
  }

  async function readSession(token: string): Promise<Session> {
    const claims = await verifyJwt(token, options.secret, { nowMs: clock.now(), audience: AUDIENCE });
    const { sub, name, idp, sid, exp, aud } = claims;
    if (aud !== AUDIENCE || typeof sub !== 'string' || typeof sid !== 'string' || typeof exp !== 'number') {
      throw new JwtError('the token is not a session token');
    }
    if (revocations.has(sid)) throw new JwtError('the session has been signed out');
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
  async function authenticate(
    req: IncomingMessage,
  ): Promise<{ session?: Session; invalidHeader?: string; staleCookie?: boolean }> {
    const header = req.headers[TOKEN_HEADER];
    if (typeof header === 'string' && header !== '') {
      try {
        return { session: await readSession(header) };
      } catch (error) {
        return { invalidHeader: error instanceof Error ? error.message : String(error) };
      }
    }
    const cookie = readCookie(req, SESSION_COOKIE);
    if (!cookie) return {};
    try {
      return { session: await readSession(cookie) };
    } catch {
      return { staleCookie: true };
    }
  }

  async function login(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method === 'GET' || req.method === 'HEAD') {
      const redirect = safeRedirect(req, url.searchParams.get('post_login_redirect_uri'));
      sendHtml(res, 200, loginPageHtml(redirect, url.searchParams.get('session_mode') === 'token'));
      return;
    }
    if (req.method !== 'POST') return sendProblem(res, authProblems.methodNotAllowed(url.pathname, ['GET', 'POST']));
    const refusal = crossSiteRefusal(req, trustedOrigins);
    if (refusal) return sendProblem(res, authProblems.crossSite('Sign-in', refusal));
    const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
    let fields: Map<string, unknown>;
    try {
      fields = await readLoginBody(req, isForm);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      const problem = error instanceof LoginInputError ? authProblems.invalidSignIn : authProblems.signInTooLarge;
      return sendProblem(res, problem(message));
    }
    const userId = fields.get('userId');
    const givenName = fields.get('name');
    const name = typeof givenName === 'string' && givenName.trim() !== '' ? givenName.trim().slice(0, 128) : undefined;
    const redirect = safeRedirect(req, String(fields.get('post_login_redirect_uri') ?? '/'));
    const tokenMode = fields.get('session_mode') === 'token';
    if (typeof userId !== 'string' || !USER_ID_PATTERN.test(userId)) {
      const message = 'userId must be 1-64 characters of letters, digits, ".", "_", "@" or "-".';
      return sendProblem(res, authProblems.invalidSignIn(message, [{ field: 'userId', message }]));
    }
    const { token, expiresOn } = await issueToken(userId, name);
    traceAuth(options.telemetry, req, 'signed in', { userId });
    if (isForm && tokenMode) {
      // App Service's session_mode=token: the token travels back in the fragment, never in a cookie.
      const fragment = encodeURIComponent(JSON.stringify({ authenticationToken: token, user: { userId } }));
      res.writeHead(302, { Location: `${redirect.split('#')[0]}#token=${fragment}` });
      res.end();
      return;
    }
    if (isForm) {
      res.writeHead(302, {
        Location: redirect,
        'Set-Cookie': `${SESSION_COOKIE}=${token}; Path=/; HttpOnly; SameSite=Lax; Expires=${expiresOn.toUTCString()}`,
      });
      res.end();
      return;
    }
    sendJson(res, 200, { authenticationToken: token, user: { userId } });
  }

  async function me(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendProblem(res, authProblems.methodNotAllowed(url.pathname, ['GET', 'HEAD']));
    }
    const { session } = await authenticate(req);
    if (!session) return sendProblem(res, authProblems.notSignedIn());
    sendJson(res, 200, [
      {
        provider_name: session.identityProvider,
        user_id: session.userId,
        user_claims: userClaims(session),
        expires_on: session.expiresOn.toISOString(),
        authentication_token: session.token,
      },
    ]);
  }

  async function logout(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'POST') {
      return sendProblem(res, authProblems.methodNotAllowed(url.pathname, ['GET', 'POST']));
    }
    const refusal = crossSiteRefusal(req, trustedOrigins);
    if (refusal) return sendProblem(res, authProblems.crossSite('Sign-out', refusal));
    const { session } = await authenticate(req);
    if (session) await revocations.add(session.sessionId, session.expiresOn.getTime());
    if (session) traceAuth(options.telemetry, req, 'signed out', { userId: session.userId });
    res.writeHead(302, {
      Location: safeRedirect(req, url.searchParams.get('post_logout_redirect_uri'), '/.auth/logout/complete'),
      'Set-Cookie': `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Expires=Thu, 01 Jan 1970 00:00:00 GMT`,
    });
    res.end();
  }

  async function answer(req: IncomingMessage, res: ServerResponse, url: URL, path: string): Promise<void> {
    if (path === `/.auth/login/${PROVIDER}`) return login(req, res, url);
    if (path === '/.auth/me') return me(req, res, url);
    if (path === '/.auth/logout') return logout(req, res, url);
    if (path === '/.auth/logout/complete') {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        return sendProblem(res, authProblems.methodNotAllowed(url.pathname, ['GET', 'HEAD']));
      }
      return sendHtml(res, 200, '<!doctype html><title>Signed out</title><p>You have signed out.</p>');
    }
    if (path.startsWith('/.auth/login/')) return sendProblem(res, authProblems.providerNotEmulated(PROVIDER));
    sendProblem(res, authProblems.notFound(url.pathname));
  }

  async function middleware(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    const path = url.pathname.toLowerCase();
    if (path === '/.auth' || path.startsWith('/.auth/')) {
      await answer(req, res, url, path);
      return true;
    }

    for (const name of Object.keys(req.headers)) {
      if (isPlatformIdentityHeader(name)) delete req.headers[name];
    }
    const { session, invalidHeader } = await authenticate(req);
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
      sendProblem(res, authProblems.signInRequired());
      return true;
    }
    return false;
  }

  return { middleware, issueToken };
}

function readCookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return undefined;
}

/** The sign-in fields, in a Map: their names come from the client. */
async function readLoginBody(req: IncomingMessage, isForm: boolean): Promise<Map<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_LOGIN_BODY) throw new Error(`The sign-in body is larger than ${MAX_LOGIN_BODY} bytes.`);
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  if (isForm) return new Map(new URLSearchParams(text));
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return new Map(Object.entries(value));
  } catch {
    // fall through to the error below
  }
  throw new LoginInputError('The sign-in body must be a JSON object such as {"userId":"alice"}.');
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(html);
}
