import { readable, type DeployContext } from '../core/context.js';
import { NAME_TAKEN, nameTaken } from './nameTaken.js';
import { applyOwnedDrift, ownedDrifts, type Owned } from './owned.js';

export const NODE_VERSION = '22';
/** Flex Consumption's default regional quota: 512,000 MB of instance memory per subscription and region. */
export const REGIONAL_MEMORY_QUOTA_MB = 512_000;

type Site = {
  httpsOnly?: boolean | null;
  identity?: { principalId?: string | null } | null;
  functionAppConfig?: {
    scaleAndConcurrency?: { maximumInstanceCount?: number | null; instanceMemoryMB?: number | null } | null;
    runtime?: { name?: string; version?: string } | null;
    deployment?: { storage?: { authentication?: { type?: string | null } | null } | null } | null;
  } | null;
};

const PLACEHOLDER_PRINCIPAL = '<function-app-principal-id>';

export async function reconcileFunctionApp(ctx: DeployContext): Promise<void> {
  const { az, names, options } = ctx;
  const scope = ['--resource-group', names.resourceGroup, '--name', names.functionApp];
  ctx.step(`Function App ${names.functionApp} (Flex Consumption, Node ${NODE_VERSION})`);
  warnAboutQuota(ctx);
  let site = readable(ctx, ctx.ids.site) ? await az.find<Site>(['functionapp', 'show', ...scope]) : undefined;
  if (!site) {
    ctx.state.created.add(ctx.ids.site);
    ctx.plan.record({
      kind: 'create',
      target: `Function App ${names.functionApp} (Flex Consumption, Node ${NODE_VERSION}, up to ${options.maxInstances} × ${options.instanceMemoryMb} MB)`,
    });
    await az.change(createArgs(ctx, scope), {
      explain: (stderr) => (NAME_TAKEN.test(stderr) ? nameTaken('Function App', names.functionApp) : undefined),
    });
    // What `create` leaves at its defaults is then reconciled like any drift.
    site = {
      httpsOnly: false,
      functionAppConfig: { deployment: { storage: { authentication: { type: 'SystemAssignedIdentity' } } } },
    };
    if (az.writes) site = (await az.find<Site>(['functionapp', 'show', ...scope])) ?? site;
  }
  await reconcileSite(ctx, site, scope);
  ctx.state.principalId = await ensureIdentity(ctx, site, scope);
}

function createArgs(ctx: DeployContext, scope: string[]): string[] {
  const { names, options } = ctx;
  return [
    ...['functionapp', 'create', ...scope, '--storage-account', names.storageAccount],
    ...['--flexconsumption-location', options.location, '--runtime', 'node', '--runtime-version', NODE_VERSION],
    ...[
      '--instance-memory',
      String(options.instanceMemoryMb),
      '--maximum-instance-count',
      String(options.maxInstances),
    ],
    // The app reads its deployment package with its own identity, not with a connection string.
    ...['--deployment-storage-auth-type', 'SystemAssignedIdentity'],
    // Application Insights would put its connection string into the app settings; see docs/deploy.md.
    ...['--disable-app-insights', 'true'],
  ];
}

function scaleOwned(ctx: DeployContext): Owned<Site>[] {
  const { maxInstances, instanceMemoryMb } = ctx.options;
  return [
    {
      setting: 'maximumInstanceCount',
      wanted: maxInstances,
      read: (s) => s.functionAppConfig?.scaleAndConcurrency?.maximumInstanceCount,
      flag: '--maximum-instance-count',
      arg: String(maxInstances),
    },
    {
      setting: 'instanceMemoryMB',
      wanted: instanceMemoryMb,
      read: (s) => s.functionAppConfig?.scaleAndConcurrency?.instanceMemoryMB,
      flag: '--instance-memory',
      arg: String(instanceMemoryMb),
    },
  ];
}

const DEPLOYMENT_AUTH: Owned<Site> = {
  setting: 'deployment storage authentication',
  wanted: 'SystemAssignedIdentity',
  read: (s) => s.functionAppConfig?.deployment?.storage?.authentication?.type,
  flag: '--deployment-storage-auth-type',
  arg: 'SystemAssignedIdentity',
};
const HTTPS_ONLY: Owned<Site> = {
  setting: 'httpsOnly',
  wanted: true,
  read: (s) => s.httpsOnly ?? false,
  flag: '--set',
  arg: 'httpsOnly=true',
};

async function reconcileSite(ctx: DeployContext, site: Site, scope: string[]): Promise<void> {
  const target = `Function App ${ctx.names.functionApp}`;
  await applyOwnedDrift(ctx, target, ownedDrifts(site, scaleOwned(ctx)), [
    'functionapp',
    'scale',
    'config',
    'set',
    ...scope,
  ]);
  await applyOwnedDrift(ctx, target, ownedDrifts(site, [DEPLOYMENT_AUTH]), [
    'functionapp',
    'deployment',
    'config',
    'set',
    ...scope,
  ]);
  await applyOwnedDrift(ctx, target, ownedDrifts(site, [HTTPS_ONLY]), ['functionapp', 'update', ...scope]);
  const runtime = site.functionAppConfig?.runtime;
  if (runtime?.version && runtime.version !== NODE_VERSION) {
    ctx.log(
      `# note: the app runs ${runtime.name ?? 'node'} ${runtime.version}; this deployment declares Node ${NODE_VERSION}`,
    );
  }
}

/** The system-assigned identity every binding and the order store connect with. */
async function ensureIdentity(ctx: DeployContext, site: Site, scope: string[]): Promise<string> {
  const principalId = site.identity?.principalId;
  if (principalId) return principalId;
  ctx.plan.record({ kind: 'create', target: `system-assigned identity of ${ctx.names.functionApp}` });
  const id = await ctx.az.changeTsv(
    ['functionapp', 'identity', 'assign', ...scope, '--query', 'principalId'],
    PLACEHOLDER_PRINCIPAL,
  );
  return id || PLACEHOLDER_PRINCIPAL;
}

/** False for the placeholders what-if and dry-run use for identities that do not exist yet. */
export function knownPrincipal(id: string): boolean {
  return id !== '' && !id.startsWith('<');
}

function warnAboutQuota(ctx: DeployContext): void {
  const { maxInstances, instanceMemoryMb } = ctx.options;
  const memory = maxInstances * instanceMemoryMb;
  if (memory > REGIONAL_MEMORY_QUOTA_MB) {
    ctx.log(
      `# note: ${maxInstances} × ${instanceMemoryMb} MB = ${memory.toLocaleString('en-US')} MB exceeds the default regional ` +
        `Flex Consumption quota (${REGIONAL_MEMORY_QUOTA_MB.toLocaleString('en-US')} MB per subscription and region); ` +
        'scaling stops at the quota unless a support request raises it (docs/scale.md)',
    );
  }
}
