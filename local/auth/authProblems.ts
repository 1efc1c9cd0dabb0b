import type { FieldError, Problem } from '../shared/problemJson.js';

const CHALLENGE = { 'WWW-Authenticate': 'Bearer realm="local-easy-auth"' };

/** Every error the Easy Auth emulation answers, in one place; each is problem+json, form posts included. */
export const authProblems = {
  signInRequired: (status: 401 | 403): Problem => ({
    status,
    detail:
      'Sign in first (POST /.auth/login/dev), then send the session token as X-ZUMO-AUTH. Like the deployed app ' +
      `(App Service Authentication with "Return${status}"), the API refuses anonymous calls.`,
    ...(status === 401 ? { headers: CHALLENGE } : {}),
  }),
  notSignedIn: (): Problem => ({ status: 401, detail: 'Sign in with POST /.auth/login/dev first.' }),
  invalidToken: (header: string, reason: string): Problem => ({
    status: 401,
    detail: `The ${header} header was refused: ${reason}`,
    headers: CHALLENGE,
  }),
  invalidSignIn: (detail: string, errors?: FieldError[]): Problem => ({
    status: 400,
    detail,
    ...(errors ? { errors } : {}),
  }),
  signInTooLarge: (detail: string): Problem => ({ status: 413, detail, headers: { Connection: 'close' } }),
  crossSite: (endpoint: string, reason: string): Problem => ({
    status: 403,
    detail:
      `${endpoint} refuses requests from other web pages, and ${reason} (a forged sign-in or sign-out). ` +
      'Use the page this site serves, or call it without a browser.',
  }),
  methodNotAllowed: (path: string, allow: readonly string[]): Problem => ({
    status: 405,
    detail: `${path} answers ${allow.join(' and ')} only.`,
    headers: { Allow: allow.join(', ') },
  }),
  providerNotEmulated: (provider: string): Problem => ({
    status: 404,
    detail:
      `Only the "${provider}" provider is emulated locally (/.auth/login/${provider}); in Azure, App Service ` +
      'Authentication provides /.auth/login/aad.',
  }),
  notFound: (path: string): Problem => ({
    status: 404,
    detail: `${path} is not an App Service Authentication endpoint.`,
  }),
};
