import type { DeployContext } from './context.js';
import { DeployError } from './deployError.js';
import { subscriptionPropertyArgs, topicPropertyArgs } from './topology.js';

export const NODE_VERSION = '22';
/** Flex Consumption's smallest allowed maximum; keeps a runaway scale-out (and its bill) bounded. */
const MAXIMUM_INSTANCE_COUNT = '40';
const INSTANCE_MEMORY_MB = '2048';
const NAME_TAKEN = /already exists|already taken|already in use|NameNotAvailable|not available|is reserved/i;

function nameTaken(kind: string, name: string, detail?: string): DeployError {
  return new DeployError(
    `The ${kind} name "${name}" is taken by someone else${detail ? ` (${detail})` : ''}.`,
    'Names are global in Azure: pick another --prefix.',
  );
}

export async function ensureResourceGroup(ctx: DeployContext): Promise<void> {
  const { az, names, options } = ctx;
  ctx.step(`Resource group ${names.resourceGroup}`);
  await az.change([
    'group',
    'create',
    '--name',
    names.resourceGroup,
    '--location',
    options.location,
    '--tags',
    'app=order-notifications',
  ]);
}

type StorageAccount = { primaryEndpoints?: { web?: string } };

/** Host storage, the orders table, and (later) the static website; blobs are never publicly readable. */
export async function ensureStorage(ctx: DeployContext): Promise<void> {
  const { az, names, options } = ctx;
  const scope = ['--resource-group', names.resourceGroup, '--name', names.storageAccount];
  ctx.step(`Storage account ${names.storageAccount}`);
  let account = await az.find<StorageAccount>(['storage', 'account', 'show', ...scope]);
  if (!account) {
    const check = await az.json<{ nameAvailable: boolean; message?: string }>(
      ['storage', 'account', 'check-name', '--name', names.storageAccount],
      { nameAvailable: true },
    );
    if (!check.nameAvailable) throw nameTaken('storage account', names.storageAccount, check.message);
    account = await az.changeJson<StorageAccount>(
      [
        'storage',
        'account',
        'create',
        ...scope,
        '--location',
        options.location,
        '--sku',
        'Standard_LRS',
        '--kind',
        'StorageV2',
        '--allow-blob-public-access',
        'false',
        '--https-only',
        'true',
        '--min-tls-version',
        'TLS1_2',
      ],
      { primaryEndpoints: { web: `https://${names.storageAccount}.<zone>.web.core.windows.net/` } },
    );
  }
  const web = account.primaryEndpoints?.web;
  if (!web) throw new DeployError(`Storage account ${names.storageAccount} has no static website endpoint`);
  ctx.state.staticWebsiteUrl = web;
  // The endpoint is `https://<host>/`; the origin is the same without the slash (and dry-run's placeholder
  // host is not a parseable URL).
  ctx.state.webOrigins = [...new Set([web.replace(/\/+$/, ''), ...options.extraOrigins])];

  // Created through ARM (a PUT, so idempotent) rather than the table data plane, which would need a key.
  await az.change([
    'rest',
    '--method',
    'put',
    '--url',
    `https://management.azure.com${ctx.ids.ordersTable}?api-version=2023-05-01`,
    '--body',
    '{}',
  ]);
}

export async function ensureServiceBus(ctx: DeployContext): Promise<void> {
  const { az, names, options } = ctx;
  const namespaceArgs = ['--resource-group', names.resourceGroup, '--namespace-name', names.serviceBusNamespace];
  ctx.step(`Service Bus namespace ${names.serviceBusNamespace}`);
  const existing = await az.find([
    'servicebus',
    'namespace',
    'show',
    '--resource-group',
    names.resourceGroup,
    '--name',
    names.serviceBusNamespace,
  ]);
  if (!existing) {
    const check = await az.json<{ nameAvailable: boolean; message?: string }>(
      ['servicebus', 'namespace', 'exists', '--name', names.serviceBusNamespace],
      { nameAvailable: true },
    );
    if (!check.nameAvailable) throw nameTaken('Service Bus namespace', names.serviceBusNamespace, check.message);
    await az.change([
      'servicebus',
      'namespace',
      'create',
      '--resource-group',
      names.resourceGroup,
      '--name',
      names.serviceBusNamespace,
      '--location',
      options.location,
      '--sku',
      'Standard',
      '--minimum-tls-version',
      '1.2',
      // The app connects with its managed identity; SAS keys stay unusable.
      '--disable-local-auth',
      'true',
    ]);
  }
  // Topic and subscription create are PUTs: every property goes in every time so a re-run cannot reset one.
  for (const topic of ctx.topology.topics) {
    await az.change([
      'servicebus',
      'topic',
      'create',
      ...namespaceArgs,
      '--name',
      topic.name,
      ...topicPropertyArgs(topic),
    ]);
    for (const subscription of topic.subscriptions) {
      await az.change([
        'servicebus',
        'topic',
        'subscription',
        'create',
        ...namespaceArgs,
        '--topic-name',
        topic.name,
        '--name',
        subscription.name,
        ...subscriptionPropertyArgs(subscription),
      ]);
    }
  }
}

/** Serverless mode is not the CLI default; and re-running `create` would reset CORS, so existing ones are updated. */
export async function ensureSignalR(ctx: DeployContext): Promise<void> {
  const { az, names, options } = ctx;
  const scope = ['--resource-group', names.resourceGroup, '--name', names.signalR];
  const origins = ctx.state.webOrigins;
  ctx.step(`SignalR Service ${names.signalR} (Serverless)`);
  const existing = await az.find(['signalr', 'show', ...scope]);
  if (existing) {
    await az.change(['signalr', 'update', ...scope, '--service-mode', 'Serverless']);
    await az.change(['signalr', 'cors', 'update', ...scope, '--allowed-origins', ...origins]);
    return;
  }
  await az.change(
    [
      'signalr',
      'create',
      ...scope,
      '--location',
      options.location,
      '--sku',
      options.signalRSku,
      '--unit-count',
      '1',
      '--service-mode',
      'Serverless',
      '--allowed-origins',
      ...origins,
    ],
    {
      explain: (stderr) => {
        if (/free/i.test(stderr) && /quota|limit|exceed|only one/i.test(stderr)) {
          return new DeployError(
            'This subscription already has its one Free_F1 SignalR Service.',
            'Pass --signalr-sku Standard_S1, or delete the other free instance.',
          );
        }
        return NAME_TAKEN.test(stderr) ? nameTaken('SignalR Service', names.signalR) : undefined;
      },
    },
  );
}

export async function ensureFunctionApp(ctx: DeployContext): Promise<void> {
  const { az, names, options } = ctx;
  const scope = ['--resource-group', names.resourceGroup, '--name', names.functionApp];
  ctx.step(`Function App ${names.functionApp} (Flex Consumption, Node ${NODE_VERSION})`);
  const existing = await az.find(['functionapp', 'show', ...scope]);
  if (!existing) {
    await az.change(
      [
        'functionapp',
        'create',
        ...scope,
        '--storage-account',
        names.storageAccount,
        '--flexconsumption-location',
        options.location,
        '--runtime',
        'node',
        '--runtime-version',
        NODE_VERSION,
        '--instance-memory',
        INSTANCE_MEMORY_MB,
        '--maximum-instance-count',
        MAXIMUM_INSTANCE_COUNT,
        '--deployment-storage-auth-type',
        'SystemAssignedIdentity',
        // Application Insights would put its connection string into the app settings; see docs/deploy.md.
        '--disable-app-insights',
        'true',
      ],
      { explain: (stderr) => (NAME_TAKEN.test(stderr) ? nameTaken('Function App', names.functionApp) : undefined) },
    );
  }
  ctx.state.principalId = await az.tsv(
    ['functionapp', 'identity', 'assign', ...scope, '--query', 'principalId'],
    '<function-app-principal-id>',
  );
}
