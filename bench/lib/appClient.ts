import { httpRequest } from './httpClient.js';

/** The order every benchmark posts: one catalogue item, valid. */
export const ORDER_BODY = JSON.stringify({ items: [{ sku: 'MUG-CERAMIC', quantity: 1 }] });

/** Signs `userId` in through the stack's Easy Auth emulation; returns the X-ZUMO-AUTH token. */
export async function signIn(functionsUrl: string, userId: string): Promise<string> {
  const response = await httpRequest({
    method: 'POST',
    url: `${functionsUrl}/.auth/login/dev`,
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ userId }),
  });
  if (response.status !== 200) throw new Error(`sign-in answered ${response.status}: ${response.body}`);
  return (JSON.parse(response.body) as { authenticationToken: string }).authenticationToken;
}

/** The app's negotiate: where this user's SignalR client goes, with its access token. */
export async function negotiate(functionsUrl: string, token: string): Promise<{ url: string; accessToken: string }> {
  const response = await httpRequest({
    method: 'POST',
    url: `${functionsUrl}/api/negotiate`,
    headers: { 'X-ZUMO-AUTH': token },
    body: '',
  });
  if (response.status !== 200) throw new Error(`negotiate answered ${response.status}: ${response.body}`);
  return JSON.parse(response.body) as { url: string; accessToken: string };
}
