import { describe, expect, it } from 'vitest';
import { authenticate, InvalidPrincipalError, parseClientPrincipal } from '../../src/platform/identity.js';

const principal = {
  auth_typ: 'aad',
  claims: [
    { typ: 'name', val: 'Alice' },
    { typ: 'roles', val: 'admin' },
    { typ: 'roles', val: 'customer' },
  ],
  name_typ: 'name',
  role_typ: 'roles',
};
const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

function headers(extra: Record<string, string> = {}): Headers {
  return new Headers({ 'x-ms-client-principal': encode(principal), 'x-ms-client-principal-id': 'alice-id', ...extra });
}

function statusOf(result: ReturnType<typeof authenticate>): number | undefined {
  return result.ok ? undefined : result.response.status;
}

describe('authenticate', () => {
  it('reads the user from the Easy Auth headers', () => {
    expect(authenticate(headers(), {})).toEqual({
      ok: true,
      principal: {
        userId: 'alice-id',
        identityProvider: 'aad',
        name: 'Alice',
        roles: ['admin', 'customer'],
        claims: principal.claims,
      },
    });
  });

  it('prefers the identity provider header when present', () => {
    const result = authenticate(headers({ 'x-ms-client-principal-idp': 'github' }), {});
    expect(result.ok && result.principal.identityProvider).toBe('github');
  });

  it('answers 401 problem+json without the principal headers', () => {
    const none = authenticate(new Headers(), {});
    expect(statusOf(none)).toBe(401);
    expect(none.ok || none.response.headers).toMatchObject({ 'content-type': 'application/problem+json' });
    expect(statusOf(authenticate(new Headers({ 'x-ms-client-principal-id': 'alice-id' }), {}))).toBe(401);
    expect(statusOf(authenticate(new Headers({ 'x-ms-client-principal': encode(principal) }), {}))).toBe(401);
  });

  it('answers 401 to a principal header that does not decode', () => {
    expect(statusOf(authenticate(headers({ 'x-ms-client-principal': 'not base64 json' }), {}))).toBe(401);
  });

  it('answers 401 to a user id that cannot be a storage key', () => {
    for (const userId of ['a/b', 'a#b', 'a?b', 'a\\b', 'x'.repeat(257)]) {
      expect(statusOf(authenticate(headers({ 'x-ms-client-principal-id': userId }), {}))).toBe(401);
    }
  });

  it('refuses with 503 in Azure when Easy Auth is off, rather than trust the headers', () => {
    const inAzure = { WEBSITE_INSTANCE_ID: 'abc123' };
    expect(statusOf(authenticate(headers(), inAzure))).toBe(503);
    expect(statusOf(authenticate(headers(), { ...inAzure, WEBSITE_AUTH_ENABLED: 'False' }))).toBe(503);
    expect(authenticate(headers(), { ...inAzure, WEBSITE_AUTH_ENABLED: 'True' }).ok).toBe(true);
  });
});

describe('parseClientPrincipal', () => {
  it('decodes the base64 JSON principal', () => {
    expect(parseClientPrincipal(encode(principal))).toEqual(principal);
  });

  it.each([
    ['not JSON', Buffer.from('nope').toString('base64'), /not base64-encoded JSON/],
    ['an array', encode([]), /not a JSON object/],
    ['no auth_typ', encode({ ...principal, auth_typ: undefined }), /auth_typ/],
    ['claims not a list', encode({ ...principal, claims: {} }), /claims/],
    ['a claim without val', encode({ ...principal, claims: [{ typ: 'name' }] }), /claims/],
  ])('rejects %s with a clear error', (_, encoded, message) => {
    expect(() => parseClientPrincipal(encoded)).toThrow(InvalidPrincipalError);
    expect(() => parseClientPrincipal(encoded)).toThrow(message);
  });
});
