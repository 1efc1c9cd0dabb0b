import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendProblem } from '../shared/problemJson.js';
import { authProblems } from './authProblems.js';
import { PROVIDER } from './sessions.js';

/** App Service's `globalValidation.unauthenticatedClientAction`, for requests that require authentication. */
export type UnauthenticatedAction = 'Return401' | 'Return403' | 'RedirectToLoginPage';

/** The app setting the stack reads it from (App Service derives it from the site's auth settings). */
export const UNAUTHENTICATED_ACTION_SETTING = 'WEBSITE_AUTH_UNAUTHENTICATED_ACTION';

const ACTIONS = new Map<string, UnauthenticatedAction | 'AllowAnonymous'>(
  (['AllowAnonymous', 'Return401', 'Return403', 'RedirectToLoginPage'] as const).map((a) => [a.toLowerCase(), a]),
);

/**
 * The action a setting names, or undefined for AllowAnonymous (and when unset: an app that says nothing gets
 * what an App Service site without required authentication gives, its functions decide). Throws on other values.
 */
export function parseUnauthenticatedAction(value: string | undefined): UnauthenticatedAction | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const action = ACTIONS.get(value.trim().toLowerCase());
  if (!action) {
    throw new Error(`${UNAUTHENTICATED_ACTION_SETTING} is "${value}"; use one of ${[...ACTIONS.values()].join(', ')}.`);
  }
  return action === 'AllowAnonymous' ? undefined : action;
}

/**
 * Answers a request that needs a session and has none. A browser's page load is sent to sign in and back; a
 * script's call (`X-Requested-With: XMLHttpRequest`) or anything but GET/HEAD gets 401 instead, as App Service
 * does, since a redirect to a login page means nothing to it.
 */
export function refuseUnauthenticated(
  action: UnauthenticatedAction,
  req: IncomingMessage,
  res: ServerResponse,
  url: URL,
): void {
  if (action === 'Return403') return sendProblem(res, authProblems.signInRequired(403));
  const fromScript = String(req.headers['x-requested-with'] ?? '').toLowerCase() === 'xmlhttprequest';
  if (action === 'RedirectToLoginPage' && (req.method === 'GET' || req.method === 'HEAD') && !fromScript) {
    const back = `${url.pathname}${url.search}`;
    const login = `/.auth/login/${PROVIDER}?post_login_redirect_uri=${encodeURIComponent(back)}`;
    res.writeHead(302, { location: login, 'content-length': 0 }).end();
    return;
  }
  sendProblem(res, authProblems.signInRequired(401));
}
