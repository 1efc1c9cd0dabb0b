import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendProblem } from '../shared/problemJson.js';
import { crossSiteRefusal } from '../shared/requestOrigin.js';
import { authProblems } from './authProblems.js';
import { loginPageHtml } from './loginPage.js';
import { userClaims } from './principal.js';
import { PROVIDER, SESSION_COOKIE, type SessionTokens } from './sessions.js';

const USER_ID_PATTERN = /^[A-Za-z0-9._@-]{1,64}$/;
const MAX_LOGIN_BODY = 4096;

class LoginInputError extends Error {}

/** What the `/.auth/*` endpoints share: the session tokens and the origins a sign-in may come from and go back to. */
export type AuthEndpoints = {
  sessions: SessionTokens;
  /** Origins (besides the site's own) trusted to post sign-ins and sign-outs and to be redirected back to. */
  allowedOrigins: ReadonlySet<string>;
};

/** Same-site paths, or absolute URLs on an allowed origin: anything else would make sign-in an open redirect. */
function safeRedirect(
  ctx: AuthEndpoints,
  req: IncomingMessage,
  value: string | null | undefined,
  fallback = '/',
): string {
  if (!value) return fallback;
  if (value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\')) return value;
  try {
    const target = new URL(value);
    const own = `http://${req.headers.host ?? ''}`;
    if (target.origin === own || ctx.allowedOrigins.has(target.origin)) return target.href;
  } catch {
    // not a URL: fall back
  }
  return fallback;
}

async function login(ctx: AuthEndpoints, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method === 'GET' || req.method === 'HEAD') {
    const redirect = safeRedirect(ctx, req, url.searchParams.get('post_login_redirect_uri'));
    sendHtml(res, 200, loginPageHtml(redirect, url.searchParams.get('session_mode') === 'token'));
    return;
  }
  if (req.method !== 'POST') return sendProblem(res, authProblems.methodNotAllowed(url.pathname, ['GET', 'POST']));
  const refusal = crossSiteRefusal(req, [...ctx.allowedOrigins]);
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
  const redirect = safeRedirect(ctx, req, String(fields.get('post_login_redirect_uri') ?? '/'));
  const tokenMode = fields.get('session_mode') === 'token';
  if (typeof userId !== 'string' || !USER_ID_PATTERN.test(userId)) {
    const message = 'userId must be 1-64 characters of letters, digits, ".", "_", "@" or "-".';
    return sendProblem(res, authProblems.invalidSignIn(message, [{ field: 'userId', message }]));
  }
  const { token, expiresOn } = await ctx.sessions.issue(userId, name);
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

async function me(ctx: AuthEndpoints, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return sendProblem(res, authProblems.methodNotAllowed(url.pathname, ['GET', 'HEAD']));
  }
  const { session } = await ctx.sessions.authenticate(req);
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

async function logout(ctx: AuthEndpoints, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'POST') {
    return sendProblem(res, authProblems.methodNotAllowed(url.pathname, ['GET', 'POST']));
  }
  const refusal = crossSiteRefusal(req, [...ctx.allowedOrigins]);
  if (refusal) return sendProblem(res, authProblems.crossSite('Sign-out', refusal));
  const { session } = await ctx.sessions.authenticate(req);
  if (session) await ctx.sessions.revocations.add(session.sessionId, session.expiresOn.getTime());
  res.writeHead(302, {
    Location: safeRedirect(ctx, req, url.searchParams.get('post_logout_redirect_uri'), '/.auth/logout/complete'),
    'Set-Cookie': `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Expires=Thu, 01 Jan 1970 00:00:00 GMT`,
  });
  res.end();
}

/** Answers a request under `/.auth/`. */
export async function answerAuthEndpoint(
  ctx: AuthEndpoints,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
  path: string,
): Promise<void> {
  if (path === `/.auth/login/${PROVIDER}`) return login(ctx, req, res, url);
  if (path === '/.auth/me') return me(ctx, req, res, url);
  if (path === '/.auth/logout') return logout(ctx, req, res, url);
  if (path === '/.auth/logout/complete') {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendProblem(res, authProblems.methodNotAllowed(url.pathname, ['GET', 'HEAD']));
    }
    return sendHtml(res, 200, '<!doctype html><title>Signed out</title><p>You have signed out.</p>');
  }
  if (path.startsWith('/.auth/login/')) return sendProblem(res, authProblems.providerNotEmulated(PROVIDER));
  sendProblem(res, authProblems.notFound(url.pathname));
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
