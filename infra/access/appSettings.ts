import { readable, type DeployContext } from '../core/context.js';

/**
 * Settings that hold a connection string (an account key or SAS key). `functionapp create` writes the first;
 * the others are the key-based forms of the identity-based settings below, from a hand-made setup.
 */
export const KEY_BASED_SETTINGS = [
  'AzureWebJobsStorage',
  'DEPLOYMENT_STORAGE_CONNECTION_STRING',
  'ServiceBusConnection',
  'AzureSignalRConnectionString',
  'OrdersStorage',
] as const;

/** Identity-based connections only: the names the bindings and the order store read, with no secret in any value. */
export function appSettings(ctx: DeployContext): Record<string, string> {
  const { names } = ctx;
  return {
    AzureWebJobsStorage__accountName: names.storageAccount,
    AzureWebJobsStorage__credential: 'managedidentity',
    ServiceBusConnection__fullyQualifiedNamespace: `${names.serviceBusNamespace}.servicebus.windows.net`,
    ServiceBusConnection__credential: 'managedidentity',
    AzureSignalRConnectionString__serviceUri: `https://${names.signalR}.service.signalr.net`,
    AzureSignalRConnectionString__credential: 'managedidentity',
    OrdersStorage__tableServiceUri: `https://${names.storageAccount}.table.core.windows.net`,
    OrdersStorage__credential: 'managedidentity',
    OrdersTableName: names.ordersTable,
  };
}

/**
 * Sets the identity-based settings that differ and deletes the key-based ones. Only setting names are read for
 * the key-based ones, so no connection string ever passes through this program.
 */
export async function reconcileAppSettings(ctx: DeployContext): Promise<void> {
  const { az, names } = ctx;
  const scope = ['--resource-group', names.resourceGroup, '--name', names.functionApp];
  ctx.step('App settings (identity-based connections)');
  const wanted = appSettings(ctx);
  const { present, now } = readable(ctx, ctx.ids.site)
    ? await currentSettings(ctx, scope, Object.keys(wanted))
    : // A new app starts with the key-based host storage setting that `functionapp create` writes.
      { present: new Set<string>(['AzureWebJobsStorage']), now: new Map<string, string | null>() };
  const toSet = Object.entries(wanted).filter(([name, value]) => now.get(name) !== value);
  if (toSet.length > 0) {
    ctx.plan.record({
      kind: 'update',
      target: `app settings of ${names.functionApp}`,
      details: toSet.map(([name, value]) => `${name}: ${now.get(name) ?? '(not set)'} → ${value}`),
    });
    await az.change([
      'functionapp',
      'config',
      'appsettings',
      'set',
      ...scope,
      '--settings',
      ...toSet.map(([k, v]) => `${k}=${v}`),
    ]);
  }
  const toDelete = KEY_BASED_SETTINGS.filter((name) => present.has(name));
  if (toDelete.length === 0) return;
  ctx.plan.record({
    kind: 'delete',
    target: `key-based app settings of ${names.functionApp}`,
    details: toDelete.map((name) => `${name} (holds a connection string)`),
  });
  await az.change(['functionapp', 'config', 'appsettings', 'delete', ...scope, '--setting-names', ...toDelete]);
}

async function currentSettings(ctx: DeployContext, scope: string[], own: string[]) {
  const listed = ['functionapp', 'config', 'appsettings', 'list', ...scope];
  const present = new Set(await ctx.az.json<string[]>([...listed, '--query', '[].name'], []));
  const values = await ctx.az.json<{ name: string; value: string | null }[]>(
    [...listed, '--query', `[?contains(\`${JSON.stringify(own)}\`, name)].{name: name, value: value}`],
    [],
  );
  return { present, now: new Map(values.map(({ name, value }) => [name, value])) };
}
