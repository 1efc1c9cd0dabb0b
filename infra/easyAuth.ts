import { functionAppUrl, type DeployContext } from './context.js';

/**
 * The App Service Authentication settings (authsettingsV2), always written whole with `az webapp auth set` so a
 * re-run restores them. API calls without a session get 401, never a redirect a fetch cannot follow; the token
 * store lets the browser hold a session token and send it as X-ZUMO-AUTH instead of a cross-site cookie.
 */
export function authSettings(ctx: DeployContext, clientId: string): object {
  return {
    platform: { enabled: true },
    globalValidation: { requireAuthentication: true, unauthenticatedClientAction: 'Return401' },
    identityProviders: {
      azureActiveDirectory: {
        enabled: true,
        registration: {
          clientId,
          openIdIssuer: `https://login.microsoftonline.com/${ctx.account.tenantId}/v2.0`,
        },
        validation: { allowedAudiences: [clientId] },
      },
    },
    login: { tokenStore: { enabled: true }, allowedExternalRedirectUrls: ctx.state.webOrigins },
    httpSettings: { requireHttps: true },
  };
}

/** The Entra ID app registration users sign in to; it needs no secret (ID tokens come by form_post). */
async function ensureAppRegistration(ctx: DeployContext): Promise<string> {
  const { az, names } = ctx;
  const registration = [
    '--sign-in-audience',
    'AzureADMyOrg',
    '--web-redirect-uris',
    `${functionAppUrl(names)}/.auth/login/aad/callback`,
    '--enable-id-token-issuance',
    'true',
  ];
  let appId = await az.tsv(['ad', 'app', 'list', '--display-name', names.entraApp, '--query', '[0].appId'], '');
  if (appId) {
    await az.change(['ad', 'app', 'update', '--id', appId, ...registration]);
  } else {
    appId = await az.tsv(
      ['ad', 'app', 'create', '--display-name', names.entraApp, ...registration, '--query', 'appId'],
      '<entra-app-id>',
    );
  }
  // Users of the tenant sign in through the app's service principal ("enterprise application").
  if (!(await az.find(['ad', 'sp', 'show', '--id', appId]))) {
    await az.change(['ad', 'sp', 'create', '--id', appId]);
  }
  return appId;
}

export async function configureAuthentication(ctx: DeployContext): Promise<void> {
  const { az, names } = ctx;
  const scope = ['--resource-group', names.resourceGroup, '--name', names.functionApp];
  ctx.step('App Service Authentication (Microsoft Entra ID, 401 for anonymous calls)');
  const appId = await ensureAppRegistration(ctx);
  await az.change(['webapp', 'auth', 'set', ...scope, '--body', JSON.stringify(authSettings(ctx, appId))]);

  ctx.step('CORS on the Function App');
  const cors = await az.json<{ allowedOrigins?: string[] | null }>(['functionapp', 'cors', 'show', ...scope], {
    allowedOrigins: [],
  });
  const missing = ctx.state.webOrigins.filter((origin) => !(cors.allowedOrigins ?? []).includes(origin));
  if (missing.length > 0) {
    await az.change(['functionapp', 'cors', 'add', ...scope, '--allowed-origins', ...missing]);
  }
  // The session travels in the X-ZUMO-AUTH header and the web client sets withCredentials: false for SignalR,
  // so no cookie ever needs to cross origins: keep credentialed CORS off.
  await az.change(['functionapp', 'cors', 'credentials', ...scope, '--enable', 'false']);
}
