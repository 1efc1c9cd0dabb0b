import type { ClientConfig } from './config.js';

/**
 * The App Service Authentication session token, kept in localStorage so every tab of the browser shares it.
 * Locally `dev` signs in with a POST; in Azure the `aad` provider redirects back with `#token=` (session_mode=token).
 */
export type Session = { token: string; userId: string };

const STORAGE_KEY = 'order-notifications.session';

export function loadSession(): Session | undefined {
  const fromRedirect = takeTokenFromFragment();
  if (fromRedirect) {
    saveSession(fromRedirect);
    return fromRedirect;
  }
  try {
    const value = JSON.parse(localStorage.getItem(STORAGE_KEY) ?? 'null') as Partial<Session> | null;
    if (value && typeof value.token === 'string' && typeof value.userId === 'string') {
      return { token: value.token, userId: value.userId };
    }
  } catch {
    // a corrupt entry is the same as none
  }
  return undefined;
}

function saveSession(session: Session): void {
  localStorage.setItem(STORAGE_KEY, JSON.stringify(session));
}

export function clearSession(): void {
  localStorage.removeItem(STORAGE_KEY);
}

/** Checks the stored token with `/.auth/me`, so an expired or revoked one shows the sign-in form. */
export async function verifySession(config: ClientConfig, session: Session): Promise<boolean> {
  const response = await fetch(`${config.apiBaseUrl}/.auth/me`, {
    headers: { 'X-ZUMO-AUTH': session.token },
    credentials: 'omit',
  });
  return response.ok;
}

export async function signIn(config: ClientConfig, userId: string): Promise<Session | undefined> {
  if (config.authProvider !== 'dev') {
    const back = `${location.origin}${location.pathname}`;
    location.assign(
      `${config.apiBaseUrl}/.auth/login/${config.authProvider}?session_mode=token&post_login_redirect_uri=${encodeURIComponent(back)}`,
    );
    return undefined;
  }
  const response = await fetch(`${config.apiBaseUrl}/.auth/login/dev`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ userId }),
    credentials: 'omit',
  });
  const body = (await response.json()) as { authenticationToken?: string; user?: { userId?: string }; detail?: string };
  if (!response.ok || !body.authenticationToken || !body.user?.userId) {
    throw new Error(body.detail ?? `Sign-in failed (${response.status})`);
  }
  const session = { token: body.authenticationToken, userId: body.user.userId };
  saveSession(session);
  return session;
}

export async function signOut(config: ClientConfig, session: Session): Promise<void> {
  clearSession();
  await fetch(`${config.apiBaseUrl}/.auth/logout`, {
    headers: { 'X-ZUMO-AUTH': session.token },
    credentials: 'omit',
    redirect: 'manual',
  }).catch(() => undefined);
}

function takeTokenFromFragment(): Session | undefined {
  const match = /^#token=(.+)$/.exec(location.hash);
  if (!match?.[1]) return undefined;
  history.replaceState(null, '', `${location.pathname}${location.search}`);
  try {
    const value = JSON.parse(decodeURIComponent(match[1])) as {
      authenticationToken?: string;
      user?: { userId?: string };
    };
    if (value.authenticationToken && value.user?.userId) {
      return { token: value.authenticationToken, userId: value.user.userId };
    }
  } catch {
    // ignore a malformed fragment
  }
  return undefined;
}
