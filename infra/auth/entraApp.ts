import { ENTRA_APP_TAG, entraAppIdentifierUri, functionAppUrl, type DeployContext } from '../core/context.js';
import { DeployError } from '../core/deployError.js';
import { mergeGroupTag } from '../resources/resourceGroup.js';

type Registration = { appId: string; redirectUris?: string[] | null; idTokens?: boolean | null };

export const PLACEHOLDER_APP_ID = '<entra-app-id>';

/**
 * The Entra ID app registration users sign in to, found by this deployment's identifier URI (never by display
 * name: two deployments with the same prefix would otherwise share one). It needs no secret: ID tokens come
 * back by form_post. Its app id is recorded on the resource group, which teardown checks before deleting.
 */
export async function reconcileEntraApp(ctx: DeployContext, groupTags: Record<string, string>): Promise<string> {
  const { az, names } = ctx;
  ctx.step(`Entra ID app registration ${names.entraApp}`);
  const uri = entraAppIdentifierUri(ctx.account, names.resourceGroup);
  const callback = `${functionAppUrl(names)}/.auth/login/aad/callback`;
  const found = await findRegistrations(ctx, uri);
  if (found.length > 1) {
    throw new DeployError(`More than one app registration claims ${uri}: ${found.map((r) => r.appId).join(', ')}`);
  }
  let appId = found[0]?.appId;
  if (found[0]) {
    await updateRegistration(ctx, found[0], callback);
  } else {
    ctx.plan.record({
      kind: 'create',
      target: `app registration ${names.entraApp}`,
      details: [`identifier URI ${uri}`],
    });
    appId = await az.changeTsv(
      ['ad', 'app', 'create', '--display-name', names.entraApp, '--identifier-uris', uri]
        .concat(['--sign-in-audience', 'AzureADMyOrg', '--web-redirect-uris', callback])
        .concat(['--enable-id-token-issuance', 'true', '--query', 'appId']),
      PLACEHOLDER_APP_ID,
    );
  }
  await ensureServicePrincipal(ctx, appId!);
  await mergeGroupTag(ctx, groupTags, ENTRA_APP_TAG, appId!);
  return appId!;
}

export function findRegistrations(ctx: DeployContext, uri: string): Promise<Registration[]> {
  return ctx.az.json<Registration[]>(
    ['ad', 'app', 'list', '--identifier-uri', uri].concat([
      '--query',
      '[].{appId: appId, redirectUris: web.redirectUris, idTokens: web.implicitGrantSettings.enableIdTokenIssuance}',
    ]),
    [],
  );
}

async function updateRegistration(ctx: DeployContext, registration: Registration, callback: string): Promise<void> {
  const details: string[] = [];
  const redirects = registration.redirectUris ?? [];
  if (redirects.length !== 1 || redirects[0] !== callback)
    details.push(`redirect URIs: [${redirects.join(', ')}] → [${callback}]`);
  if (registration.idTokens !== true) details.push('ID token issuance: off → on');
  if (details.length === 0) return;
  ctx.plan.record({ kind: 'update', target: `app registration ${ctx.names.entraApp}`, details });
  await ctx.az.change(
    ['ad', 'app', 'update', '--id', registration.appId, '--web-redirect-uris', callback].concat([
      '--enable-id-token-issuance',
      'true',
    ]),
  );
}

/** Users of the tenant sign in through the app's service principal ("enterprise application"). */
async function ensureServicePrincipal(ctx: DeployContext, appId: string): Promise<void> {
  if (appId !== PLACEHOLDER_APP_ID && (await ctx.az.find(['ad', 'sp', 'show', '--id', appId]))) return;
  ctx.plan.record({ kind: 'create', target: `service principal of app registration ${ctx.names.entraApp}` });
  await ctx.az.change(['ad', 'sp', 'create', '--id', appId]);
}
