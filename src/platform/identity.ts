import type { HttpResponseInit } from '@azure/functions';
import { problem } from './problem.js';

/** The signed-in user as App Service Authentication (Easy Auth) describes them. */
export type Principal = {
  /** `x-ms-client-principal-id`: stable per user and identity provider; also the order partition key. */
  userId: string;
  identityProvider: string;
  name?: string;
  roles: string[];
  claims: ClientPrincipalClaim[];
};

export type ClientPrincipalClaim = { typ: string; val: string };

/** The decoded `x-ms-client-principal` header. */
export type ClientPrincipal = {
  auth_typ: string;
  claims: ClientPrincipalClaim[];
  name_typ: string;
  role_typ: string;
};

export type Authentication = { ok: true; principal: Principal } | { ok: false; response: HttpResponseInit };

export class InvalidPrincipalError extends Error {
  override readonly name = 'InvalidPrincipalError';
}

// Table Storage forbids / \ # ? and control characters in keys; the user id becomes one.
const USER_ID_PATTERN = /^[^/\\#?\p{Cc}]{1,256}$/u;

/**
 * Identifies the caller from the Easy Auth headers only; nothing the client sends in the body or query counts.
 * In Azure those headers are trustworthy only while Easy Auth is on (it strips client-sent copies), so with it
 * off the app refuses to serve rather than believe them.
 */
export function authenticate(headers: Headers, env: NodeJS.ProcessEnv = process.env): Authentication {
  if (env.WEBSITE_INSTANCE_ID && env.WEBSITE_AUTH_ENABLED !== 'True') {
    return {
      ok: false,
      response: problem(
        503,
        'App Service Authentication is not enabled for this app, so callers cannot be identified. ' +
          'Enable it (WEBSITE_AUTH_ENABLED=True) to serve signed-in users.',
      ),
    };
  }
  const userId = headers.get('x-ms-client-principal-id');
  const encoded = headers.get('x-ms-client-principal');
  if (!userId || !encoded) return unauthorized('Sign in to use this API.');
  if (!USER_ID_PATTERN.test(userId)) return unauthorized('The client principal id is not a usable user id.');
  let principal: ClientPrincipal;
  try {
    principal = parseClientPrincipal(encoded);
  } catch (error) {
    return unauthorized((error as Error).message);
  }
  const name =
    principal.claims.find((c) => c.typ === principal.name_typ)?.val ?? headers.get('x-ms-client-principal-name');
  return {
    ok: true,
    principal: {
      userId,
      identityProvider: headers.get('x-ms-client-principal-idp') ?? principal.auth_typ,
      ...(name ? { name } : {}),
      roles: principal.claims.filter((c) => c.typ === principal.role_typ).map((c) => c.val),
      claims: principal.claims,
    },
  };
}

/** Decodes `x-ms-client-principal` (base64 of JSON `{auth_typ, claims, name_typ, role_typ}`). */
export function parseClientPrincipal(encoded: string): ClientPrincipal {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(encoded, 'base64').toString('utf8'));
  } catch {
    throw new InvalidPrincipalError('The client principal header is not base64-encoded JSON.');
  }
  if (!isRecord(value)) throw new InvalidPrincipalError('The client principal header is not a JSON object.');
  const { auth_typ, claims, name_typ, role_typ } = value;
  if (typeof auth_typ !== 'string' || !auth_typ) {
    throw new InvalidPrincipalError('The client principal has no auth_typ.');
  }
  if (!Array.isArray(claims) || !claims.every(isClaim)) {
    throw new InvalidPrincipalError('The client principal claims must be a list of {typ, val} strings.');
  }
  return {
    auth_typ,
    claims: claims.map(({ typ, val }) => ({ typ, val })),
    name_typ: typeof name_typ === 'string' ? name_typ : '',
    role_typ: typeof role_typ === 'string' ? role_typ : '',
  };
}

function unauthorized(detail: string): { ok: false; response: HttpResponseInit } {
  return { ok: false, response: problem(401, detail) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isClaim(value: unknown): value is ClientPrincipalClaim {
  return isRecord(value) && typeof value.typ === 'string' && typeof value.val === 'string';
}
