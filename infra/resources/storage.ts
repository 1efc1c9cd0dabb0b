import { ARM, readable, type DeployContext } from '../core/context.js';
import { DeployError } from '../core/deployError.js';
import { describeDrift, drifts } from '../core/plan.js';
import { nameTaken } from './nameTaken.js';

type StorageAccount = {
  primaryEndpoints?: { web?: string | null };
  allowBlobPublicAccess?: boolean | null;
  enableHttpsTrafficOnly?: boolean | null;
  minimumTlsVersion?: string | null;
  allowSharedKeyAccess?: boolean | null;
};

/** What the deployment owns on the account, with the `storage account create/update` flag for each. */
const OWNED = {
  allowBlobPublicAccess: { wanted: false, flag: '--allow-blob-public-access' },
  enableHttpsTrafficOnly: { wanted: true, flag: '--https-only' },
  minimumTlsVersion: { wanted: 'TLS1_2', flag: '--min-tls-version' },
} as const;

const TABLE_API = '2023-05-01';

/** Host storage, the orders table, and the static website; nothing publicly readable, HTTPS and TLS 1.2 only. */
export async function reconcileStorage(ctx: DeployContext): Promise<void> {
  const { az, names } = ctx;
  ctx.step(`Storage account ${names.storageAccount}`);
  const scope = ['--resource-group', names.resourceGroup, '--name', names.storageAccount];
  let account = readable(ctx, ctx.ids.storage)
    ? await az.find<StorageAccount>(['storage', 'account', 'show', ...scope])
    : undefined;
  if (account) {
    await updateOwnedSettings(ctx, account, scope);
  } else {
    account = await createAccount(ctx, scope);
  }
  // Key-based access is turned off only once the Function App has proven it runs on its identity (lockSharedKey).
  ctx.state.sharedKeyAccess = account.allowSharedKeyAccess !== false;
  const web = account.primaryEndpoints?.web;
  if (!web) throw new DeployError(`Storage account ${names.storageAccount} has no static website endpoint`);
  ctx.state.staticWebsiteUrl = web;
  // The endpoint is `https://<host>/`; the origin is the same without the slash.
  ctx.state.webOrigins = [...new Set([web.replace(/\/+$/, ''), ...ctx.options.extraOrigins])];
  await ensureOrdersTable(ctx);
}

async function createAccount(ctx: DeployContext, scope: string[]): Promise<StorageAccount> {
  const { az, names, options } = ctx;
  const check = await az.json<{ nameAvailable: boolean; message?: string }>(
    ['storage', 'account', 'check-name', '--name', names.storageAccount],
    { nameAvailable: true },
  );
  if (!check.nameAvailable) throw nameTaken('storage account', names.storageAccount, check.message);
  ctx.plan.record({ kind: 'create', target: `storage account ${names.storageAccount} (Standard_LRS, StorageV2)` });
  ctx.state.created.add(ctx.ids.storage);
  const flags = Object.values(OWNED).flatMap(({ flag, wanted }) => [flag, String(wanted)]);
  return az.changeJson<StorageAccount>(
    ['storage', 'account', 'create', ...scope, '--location', options.location, '--sku', 'Standard_LRS'].concat(
      ['--kind', 'StorageV2'],
      flags,
    ),
    {
      primaryEndpoints: { web: `https://${names.storageAccount}.z1.web.core.windows.net/` },
      allowSharedKeyAccess: null,
    },
  );
}

async function updateOwnedSettings(ctx: DeployContext, account: StorageAccount, scope: string[]): Promise<void> {
  const wanted = Object.fromEntries(Object.entries(OWNED).map(([key, { wanted }]) => [key, wanted]));
  const changed = drifts(account as Record<string, unknown>, wanted);
  if (changed.length === 0) return;
  ctx.plan.record({
    kind: 'update',
    target: `storage account ${ctx.names.storageAccount}`,
    details: changed.map(describeDrift),
  });
  const flags = changed.flatMap(({ setting, wanted }) => [OWNED[setting as keyof typeof OWNED].flag, String(wanted)]);
  await ctx.az.change(['storage', 'account', 'update', ...scope, ...flags]);
}

/** Created through ARM rather than the table data plane, which would need a key or a data role. */
async function ensureOrdersTable(ctx: DeployContext): Promise<void> {
  const url = `${ARM}${ctx.ids.ordersTable}?api-version=${TABLE_API}`;
  const table = readable(ctx, ctx.ids.ordersTable) && (await ctx.az.find(['rest', '--method', 'get', '--url', url]));
  if (table) return;
  ctx.plan.record({ kind: 'create', target: `table ${ctx.names.ordersTable} in ${ctx.names.storageAccount}` });
  await ctx.az.change(['rest', '--method', 'put', '--url', url, '--body', '{}']);
}

/**
 * Turns off account-key (shared key) access. Run only after the host has been seen healthy on its managed
 * identity: before that, switching keys off could strand an app that still used them.
 */
export async function lockSharedKey(ctx: DeployContext): Promise<void> {
  ctx.step('Storage account: shared key access off');
  if (!ctx.state.sharedKeyAccess) {
    ctx.log('# already off');
    return;
  }
  ctx.plan.record({
    kind: 'update',
    target: `storage account ${ctx.names.storageAccount}`,
    details: ['allowSharedKeyAccess: true → false'],
  });
  await ctx.az.change([
    'storage',
    'account',
    'update',
    '--resource-group',
    ctx.names.resourceGroup,
    '--name',
    ctx.names.storageAccount,
    '--allow-shared-key-access',
    'false',
  ]);
  ctx.state.sharedKeyAccess = false;
}
