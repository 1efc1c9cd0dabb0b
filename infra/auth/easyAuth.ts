import { readable, type DeployContext } from '../core/context.js';
import { DeployError } from '../core/deployError.js';

type AuthSettings = {
  platform?: { enabled?: boolean };
  globalValidation?: { requireAuthentication?: boolean; unauthenticatedClientAction?: string };
  identityProviders?: {
    azureActiveDirectory?: {
      enabled?: boolean;
      registration?: { clientId?: string; openIdIssuer?: string };
      validation?: { allowedAudiences?: string[] };
    };
  };
  login?: { tokenStore?: { enabled?: boolean }; allowedExternalRedirectUrls?: string[] };
  httpSettings?: { requireHttps?: boolean };
};

const V1_APP = /auth v2 commands when the app is using auth v1/i;

/**
 * The App Service Authentication settings (authsettingsV2), always written whole with `az webapp auth set` so a
 * run restores them. API calls without a session get 401, never a redirect a fetch cannot follow; the token
 * store lets the browser hold a session token and send it as X-ZUMO-AUTH instead of a cross-site cookie.
 */
export function authSettings(ctx: DeployContext, clientId: string): AuthSettings {
  return {
    platform: { enabled: true },
    globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401' },
    identityProviders: {
      azureActiveDirectory: {
        enabled: true,
        registration: { clientId, openIdIssuer: `https://login.microsoftonline.com/${ctx.account.tenantId}/v2.0` },
        validation: { allowedAudiences: [clientId] },
      },
    },
    login: { tokenStore: { enabled: true }, allowedExternalRedirectUrls: ctx.state.webOrigins },
    httpSettings: { requireHttps: true },
  };
}

/** The owned settings that differ, as `path: now → wanted`. */
export function authDrift(now: AuthSettings, wanted: AuthSettings): string[] {
  const aad = (s: AuthSettings) => s.identityProviders?.azureActiveDirectory;
  const checks: [string, unknown, unknown][] = [
    ['platform.enabled', now.platform?.enabled, wanted.platform?.enabled],
    [
      'requireAuthentication',
      now.globalValidation?.requireAuthentication,
      wanted.globalValidation?.requireAuthentication,
    ],
    [
      'unauthenticatedClientAction',
      now.globalValidation?.unauthenticatedClientAction,
      wanted.globalValidation?.unauthenticatedClientAction,
    ],
    ['azureActiveDirectory.enabled', aad(now)?.enabled, aad(wanted)?.enabled],
    ['clientId', aad(now)?.registration?.clientId, aad(wanted)?.registration?.clientId],
    ['openIdIssuer', aad(now)?.registration?.openIdIssuer, aad(wanted)?.registration?.openIdIssuer],
    ['allowedAudiences', list(aad(now)?.validation?.allowedAudiences), list(aad(wanted)?.validation?.allowedAudiences)],
    ['tokenStore.enabled', now.login?.tokenStore?.enabled, wanted.login?.tokenStore?.enabled],
    [
      'allowedExternalRedirectUrls',
      list(now.login?.allowedExternalRedirectUrls),
      list(wanted.login?.allowedExternalRedirectUrls),
    ],
    ['requireHttps', now.httpSettings?.requireHttps, wanted.httpSettings?.requireHttps],
  ];
  return checks
    .filter(([, a, b]) => a !== b)
    .map(([path, a, b]) => `${path}: ${a === undefined ? '(not set)' : String(a)} → ${String(b)}`);
}

function list(values: string[] | undefined): string | undefined {
  return values ? [...values].sort().join(', ') : undefined;
}

export async function reconcileEasyAuth(ctx: DeployContext, clientId: string, extension: boolean): Promise<void> {
  const { az, names } = ctx;
  const scope = ['--resource-group', names.resourceGroup, '--name', names.functionApp];
  ctx.step('App Service Authentication (Microsoft Entra ID, 401 for anonymous calls)');
  const wanted = authSettings(ctx, clientId);
  if (!extension) {
    ctx.plan.record({
      kind: 'update',
      target: `authentication of ${names.functionApp}`,
      details: ['(unknown until the authV2 extension is installed)'],
    });
    return;
  }
  const now = readable(ctx, ctx.ids.site) ? await readAuth(ctx, scope) : {};
  const drift = authDrift(now, wanted);
  if (drift.length === 0) return;
  ctx.plan.record({ kind: 'update', target: `authentication of ${names.functionApp}`, details: drift });
  const set = ['webapp', 'auth', 'set', ...scope, '--body', JSON.stringify(wanted)];
  try {
    await az.change(set);
  } catch (error) {
    if (!(error instanceof DeployError) || !V1_APP.test(error.message)) throw error;
    // Settings still in the classic (v1) shape must be upgraded before v2 commands may write them.
    await az.change(['webapp', 'auth', 'config-version', 'upgrade', ...scope]);
    await az.change(set);
  }
  if (!az.writes) return;
  const readBack = authDrift(await readAuth(ctx, scope), wanted);
  if (readBack.length > 0) {
    throw new DeployError(
      `App Service Authentication did not take the declared settings: ${readBack.join('; ')}.`,
      'Check `az webapp auth show` for the app; without these settings identity headers could be forged.',
    );
  }
  ctx.log('# read back: authentication on, 401 for anonymous calls, Entra ID client and issuer as declared');
}

function readAuth(ctx: DeployContext, scope: string[]): Promise<AuthSettings> {
  return ctx.az
    .json<AuthSettings>(['webapp', 'auth', 'show', ...scope, '--query', 'properties'], {})
    .then((s) => s ?? {});
}

/**
 * CORS on the Function App: exactly the web origins. Credentialed CORS stays off: the session travels in the
 * X-ZUMO-AUTH header and the web client sets withCredentials: false for SignalR, so no cookie crosses origins.
 */
export async function reconcileFunctionCors(ctx: DeployContext): Promise<void> {
  const { az, names } = ctx;
  const scope = ['--resource-group', names.resourceGroup, '--name', names.functionApp];
  ctx.step('CORS on the Function App');
  const cors = readable(ctx, ctx.ids.site)
    ? await az.json<{ allowedOrigins?: string[] | null; supportCredentials?: boolean | null }>(
        ['functionapp', 'cors', 'show', ...scope],
        { allowedOrigins: [], supportCredentials: false },
      )
    : { allowedOrigins: [], supportCredentials: false };
  const now = cors.allowedOrigins ?? [];
  const missing = ctx.state.webOrigins.filter((origin) => !now.includes(origin));
  const extra = now.filter((origin) => !ctx.state.webOrigins.includes(origin));
  if (missing.length > 0) {
    ctx.plan.record({
      kind: 'update',
      target: `CORS of ${names.functionApp}`,
      details: missing.map((o) => `allow ${o}`),
    });
    await az.change(['functionapp', 'cors', 'add', ...scope, '--allowed-origins', ...missing]);
  }
  if (extra.length > 0) {
    ctx.plan.record({
      kind: 'update',
      target: `CORS of ${names.functionApp}`,
      details: extra.map((o) => `stop allowing ${o}`),
    });
    await az.change(['functionapp', 'cors', 'remove', ...scope, '--allowed-origins', ...extra]);
  }
  if (cors.supportCredentials) {
    ctx.plan.record({
      kind: 'update',
      target: `CORS of ${names.functionApp}`,
      details: ['supportCredentials: true → false'],
    });
    await az.change(['functionapp', 'cors', 'credentials', ...scope, '--enable', 'false']);
  }
}
