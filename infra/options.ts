import path from 'node:path';
import { parseArgs } from 'node:util';
import { DeployError } from './deployError.js';

export const SIGNALR_SKUS = ['Free_F1', 'Standard_S1', 'Premium_P1'] as const;
export type SignalRSku = (typeof SIGNALR_SKUS)[number];

export type DeployOptions = {
  prefix: string;
  location: string;
  resourceGroup: string;
  /** Origins allowed besides the storage static website (e.g. a local dev server pointed at the cloud API). */
  extraOrigins: string[];
  signalRSku: SignalRSku;
  appDir: string;
  topologyFile: string;
  dryRun: boolean;
  teardown: boolean;
  yes: boolean;
  help: boolean;
};

export type ResourceNames = {
  resourceGroup: string;
  storageAccount: string;
  serviceBusNamespace: string;
  signalR: string;
  functionApp: string;
  /** Display name of the Entra ID app registration that App Service Authentication signs users in with. */
  entraApp: string;
  ordersTable: string;
};

export const DEFAULT_PREFIX = 'ordernotif';
export const DEFAULT_LOCATION = 'swedencentral';

export const HELP = `Deploy order-notifications to Azure with the Azure CLI (idempotent: safe to run again).

Usage: npm run deploy -- [options]
       npm run teardown -- [--yes]

Options:
  --prefix <name>          name prefix for every resource, 3-20 of a-z 0-9 - (default: ${DEFAULT_PREFIX});
                           storage, Service Bus, SignalR and the Function App need globally unique names
  --location <region>      Azure region with Flex Consumption (default: ${DEFAULT_LOCATION})
  --resource-group <name>  resource group to create or reuse (default: <prefix>-rg)
  --web-origin <origin>    extra browser origin allowed by CORS and sign-in redirects, repeatable
                           (the storage static website that hosts web/dist is always allowed)
  --signalr-sku <sku>      ${SIGNALR_SKUS.join(' | ')} (default: Free_F1, one per subscription)
  --app-dir <dir>          project root holding package.json, host.json, dist/ and web/dist (default: .)
  --topology <file>        Service Bus topology (default: <app-dir>/servicebus.config.json)
  --dry-run                print every command without running any (needs no Azure CLI)
  --teardown               delete the resource group and the app registration, after confirmation
  --yes                    do not ask for confirmation (teardown)
  --help                   show this text
`;

const PREFIX_PATTERN = /^[a-z][a-z0-9-]{1,18}[a-z0-9]$/;
const LOCATION_PATTERN = /^[a-z][a-z0-9]+$/;
const RESOURCE_GROUP_PATTERN = /^[-\w.()]{1,89}[-\w()]$/;

export function parseOptions(argv: readonly string[], cwd: string): DeployOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        prefix: { type: 'string', default: DEFAULT_PREFIX },
        location: { type: 'string', default: DEFAULT_LOCATION },
        'resource-group': { type: 'string' },
        'web-origin': { type: 'string', multiple: true, default: [] },
        'signalr-sku': { type: 'string', default: 'Free_F1' },
        'app-dir': { type: 'string', default: '.' },
        topology: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        teardown: { type: 'boolean', default: false },
        yes: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    throw new DeployError((error as Error).message, 'Run with --help to see the options.');
  }
  const prefix = values.prefix;
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new DeployError(
      `--prefix "${prefix}" is not valid`,
      'Use 3-20 characters: lowercase letters, digits and hyphens, starting with a letter.',
    );
  }
  const location = values.location;
  if (!LOCATION_PATTERN.test(location)) {
    throw new DeployError(
      `--location "${location}" is not a region name`,
      'Use a name such as swedencentral or eastus.',
    );
  }
  const resourceGroup = values['resource-group'] ?? `${prefix}-rg`;
  if (!RESOURCE_GROUP_PATTERN.test(resourceGroup)) {
    throw new DeployError(`--resource-group "${resourceGroup}" is not a valid resource group name`);
  }
  const signalRSku = values['signalr-sku'];
  if (!isSignalRSku(signalRSku)) {
    throw new DeployError(`--signalr-sku "${signalRSku}" is not one of ${SIGNALR_SKUS.join(', ')}`);
  }
  const appDir = path.resolve(cwd, values['app-dir']);
  return {
    prefix,
    location,
    resourceGroup,
    extraOrigins: values['web-origin'].map(parseOrigin),
    signalRSku,
    appDir,
    topologyFile: path.resolve(appDir, values.topology ?? 'servicebus.config.json'),
    dryRun: values['dry-run'],
    teardown: values.teardown,
    yes: values.yes,
    help: values.help,
  };
}

function isSignalRSku(value: string): value is SignalRSku {
  return (SIGNALR_SKUS as readonly string[]).includes(value);
}

/** CORS and redirect allow-lists hold bare origins; `*` is refused because the browser sends credentials. */
function parseOrigin(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new DeployError(`--web-origin "${value}" is not a URL`, 'Use an origin such as https://app.example.com.');
  }
  const local = url.hostname === 'localhost' || url.hostname === '127.0.0.1';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && local)) {
    throw new DeployError(`--web-origin "${value}" must use https (http is allowed for localhost only)`);
  }
  if (url.pathname !== '/' || url.search || url.hash || url.username) {
    throw new DeployError(`--web-origin "${value}" must be an origin, without path, query or fragment`);
  }
  return url.origin;
}

export function resourceNames(options: Pick<DeployOptions, 'prefix' | 'resourceGroup'>): ResourceNames {
  const { prefix } = options;
  return {
    resourceGroup: options.resourceGroup,
    // Storage account names allow only lowercase letters and digits, 3-24 characters.
    storageAccount: `${prefix.replaceAll('-', '')}st`.slice(0, 24),
    serviceBusNamespace: `${prefix}-sb`,
    signalR: `${prefix}-signalr`,
    functionApp: `${prefix}-func`,
    entraApp: `${prefix}-easyauth`,
    ordersTable: 'orders',
  };
}
