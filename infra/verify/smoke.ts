import { MINUTE, SECOND } from '../core/clock.js';
import { functionAppUrl, type DeployContext, type HttpAnswer, type HttpProbe } from '../core/context.js';
import { DeployError } from '../core/deployError.js';
import { pollUntil } from '../core/poll.js';

/** Settings changes restart the app; the checks allow for that, within a bound. */
export const SMOKE_WAIT_MS = 5 * MINUTE;
const INTERVAL_MS = 15 * SECOND;
const HTTP_TIMEOUT_MS = 30 * SECOND;

/** A principal a client might try to pass off as its own; with Easy Auth on, these headers never reach the app. */
const FORGED = {
  'x-ms-client-principal-id': 'forged-user',
  'x-ms-client-principal-name': 'forged@example.com',
  'x-ms-client-principal-idp': 'aad',
  'x-ms-client-principal': Buffer.from(
    JSON.stringify({ auth_typ: 'aad', claims: [], name_typ: 'name', role_typ: 'roles' }),
  ).toString('base64'),
};

/** Real requests without following redirects, each bounded. */
export const fetchProbe: HttpProbe = async ({ method, url, headers }) => {
  const response = await fetch(url, {
    method,
    headers,
    redirect: 'manual',
    signal: AbortSignal.timeout(HTTP_TIMEOUT_MS),
  });
  await response.body?.cancel();
  return { status: response.status, headers: Object.fromEntries(response.headers) };
};

/**
 * Proves Easy Auth is enforced: an anonymous call, carrying forged identity headers, must get 401. If the app
 * answers it, the app is stopped, since identity headers could then be forged.
 */
export async function verifyAuthentication(ctx: DeployContext): Promise<void> {
  const url = `${functionAppUrl(ctx.names)}/api/orders`;
  ctx.step('Smoke check: authentication');
  if (!ctx.az.writes) {
    ctx.log(`# would check: GET ${url} without a session (with forged x-ms-client-principal headers) answers 401`);
    return;
  }
  const status = await pollUntil<number>({
    ...bounds(ctx, 'an anonymous call to answer 401'),
    probe: async () => {
      const answer = await request(ctx.http, { method: 'GET', url, headers: FORGED });
      if (answer.status === 401 || (answer.status >= 200 && answer.status < 400))
        return { done: true, value: answer.status };
      return { done: false, seen: `HTTP ${answer.status}` };
    },
  });
  if (status === 401) {
    ctx.log(`# GET ${url} without a session, with forged identity headers: 401 as required`);
    return;
  }
  if (status >= 300) {
    throw new DeployError(
      `GET ${url} without a session answered ${status} (a redirect), not 401.`,
      'unauthenticatedClientAction must be Return401 (az webapp auth show); a fetch cannot follow a login redirect.',
    );
  }
  await ctx.az.change([
    'functionapp',
    'stop',
    '--resource-group',
    ctx.names.resourceGroup,
    '--name',
    ctx.names.functionApp,
  ]);
  throw new DeployError(
    `GET ${url} without a session answered ${status}: App Service Authentication is not enforced, so identity headers could be forged. The Function App has been stopped.`,
    'Check `az webapp auth show`, fix the cause, then run the deployment again (and `az functionapp start` if you fixed it by hand).',
  );
}

/** The browser's preflight from the web origin for the order POST must pass, or the web client cannot call the API. */
export async function verifyPreflight(ctx: DeployContext): Promise<void> {
  const origin = ctx.state.webOrigins[0]!;
  const url = `${functionAppUrl(ctx.names)}/api/orders`;
  ctx.step('Smoke check: CORS preflight from the web client');
  if (!ctx.az.writes) {
    ctx.log(`# would check: OPTIONS ${url} from ${origin} is allowed`);
    return;
  }
  const headers = {
    Origin: origin,
    'Access-Control-Request-Method': 'POST',
    'Access-Control-Request-Headers': 'content-type,idempotency-key,x-zumo-auth',
  };
  await pollUntil({
    ...bounds(ctx, `a CORS preflight from ${origin} to be allowed`),
    hint: 'Check `az functionapp cors show`, and that Easy Auth lets OPTIONS through, then run again.',
    probe: async () => {
      const answer = await request(ctx.http, { method: 'OPTIONS', url, headers });
      const allowed = answer.headers['access-control-allow-origin'];
      if (answer.status < 300 && allowed === origin) return { done: true, value: undefined };
      return { done: false, seen: `HTTP ${answer.status}, Access-Control-Allow-Origin ${allowed ?? '(none)'}` };
    },
  });
  ctx.log(`# OPTIONS ${url} from ${origin}: allowed`);
}

function bounds(ctx: DeployContext, what: string) {
  return {
    clock: ctx.clock,
    what,
    timeoutMs: SMOKE_WAIT_MS,
    intervalMs: INTERVAL_MS,
    log: ctx.log,
    hint: `Run again once the app is up: ${ctx.az.resumeHint}`,
  };
}

/** A request that failed on the network counts as "no answer yet" (status 0), like a 503 while starting. */
async function request(http: HttpProbe, req: Parameters<HttpProbe>[0]): Promise<HttpAnswer> {
  try {
    const answer = await http(req);
    return { status: answer.status, headers: lowerCaseKeys(answer.headers) };
  } catch {
    return { status: 0, headers: {} };
  }
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
}
