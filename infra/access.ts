import type { DeployContext } from './context.js';

/** Built-in role definition ids (stable across clouds and languages, unlike display names). */
export const ROLES = {
  storageBlobDataOwner: { id: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b', name: 'Storage Blob Data Owner' },
  storageTableDataContributor: { id: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3', name: 'Storage Table Data Contributor' },
  serviceBusDataSender: { id: '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39', name: 'Azure Service Bus Data Sender' },
  serviceBusDataReceiver: { id: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0', name: 'Azure Service Bus Data Receiver' },
  signalRServiceOwner: { id: '7e4f1700-ea5a-4f59-8f37-079cfe29dce3', name: 'SignalR Service Owner' },
} as const;

type Role = (typeof ROLES)[keyof typeof ROLES];

/** What the Function App's identity may do, each at the narrowest scope that works. */
export function roleAssignments(ctx: DeployContext): { role: Role; scope: string }[] {
  const { ids, topology } = ctx;
  return [
    // Host storage (locks, keys, the Flex deployment package container).
    { role: ROLES.storageBlobDataOwner, scope: ids.storage },
    { role: ROLES.storageTableDataContributor, scope: ids.ordersTable },
    ...topology.topics.flatMap((topic) => [
      { role: ROLES.serviceBusDataSender, scope: ids.topic(topic.name) },
      // A trigger's receiver role must sit on the subscription (or above); the topic alone is not enough.
      ...topic.subscriptions.map((s) => ({
        role: ROLES.serviceBusDataReceiver,
        scope: ids.subscription(topic.name, s.name),
      })),
    ]),
    // The SignalR extension both calls the REST API and mints client tokens, which needs Owner.
    { role: ROLES.signalRServiceOwner, scope: ids.signalR },
  ];
}

export async function assignRoles(ctx: DeployContext): Promise<void> {
  ctx.step('Role assignments for the Function App identity');
  for (const { role, scope } of roleAssignments(ctx)) {
    ctx.log(`# ${role.name}`);
    await ctx.az.change(
      [
        'role',
        'assignment',
        'create',
        '--assignee-object-id',
        ctx.state.principalId,
        '--assignee-principal-type',
        'ServicePrincipal',
        '--role',
        role.id,
        '--scope',
        scope,
      ],
      { tolerate: /RoleAssignmentExists|already exists/i },
    );
  }
}

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

export async function configureAppSettings(ctx: DeployContext): Promise<void> {
  const { az, names } = ctx;
  const scope = ['--resource-group', names.resourceGroup, '--name', names.functionApp];
  ctx.step('App settings (identity-based connections)');
  const settings = Object.entries(appSettings(ctx)).map(([key, value]) => `${key}=${value}`);
  await az.change(['functionapp', 'config', 'appsettings', 'set', ...scope, '--settings', ...settings]);
  // `functionapp create` wrote a key-based connection string; the identity settings above replace it.
  await az.change([
    'functionapp',
    'config',
    'appsettings',
    'delete',
    ...scope,
    '--setting-names',
    'AzureWebJobsStorage',
  ]);
}
