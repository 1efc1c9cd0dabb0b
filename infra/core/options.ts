import path from 'node:path';
import { parseArgs } from 'node:util';
import { DeployError } from './deployError.js';

export const SIGNALR_SKUS = ['Free_F1', 'Standard_S1', 'Premium_P1', 'Premium_P2'] as const;
export type SignalRSku = (typeof SIGNALR_SKUS)[number];
export const SERVICEBUS_SKUS = ['Standard', 'Premium'] as const;
export type ServiceBusSku = (typeof SERVICEBUS_SKUS)[number];
export const INSTANCE_MEMORY_MB = [512, 2048, 4096] as const;
/** Premium messaging units a namespace can have (with one partition). */
export const SERVICEBUS_PREMIUM_UNITS = [1, 2, 4, 8, 16] as const;
/** Flex Consumption: the documented default and the range a maximum instance count may take. */
export const MAX_INSTANCES = { default: 100, min: 1, max: 1000 } as const;

export type DeployOptions = {
  prefix: string;
  location: string;
  resourceGroup: string;
  /** Origins allowed besides the storage static website (e.g. a local dev server pointed at the cloud API). */
  extraOrigins: string[];
  signalRSku: SignalRSku;
  signalRUnits: number;
  serviceBusSku: ServiceBusSku;
  /** Messaging units; Premium only. */
  serviceBusUnits: number | undefined;
  maxInstances: number;
  instanceMemoryMb: number;
  appDir: string;
  topologyFile: string;
  whatIf: boolean;
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
  /** Display name of the Entra ID app registration (not unique: it is found by its identifier URI). */
  entraApp: string;
  ordersTable: string;
};

export const DEFAULT_PREFIX = 'ordernotif';
export const DEFAULT_LOCATION = 'swedencentral';

export const HELP = `Deploy order-notifications to Azure with the Azure CLI. Every run brings what exists back to what is
declared here, so running it again is safe and repairs drift.

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
  --signalr-units <n>      SignalR units: 1 on Free_F1; 1-10, 20, 30 ... 100 on Standard_S1 and Premium_P1;
                           100, 200 ... 1000 on Premium_P2 (default: 1, or 100 on Premium_P2)
  --servicebus-sku <sku>   ${SERVICEBUS_SKUS.join(' | ')} (default: Standard; an existing namespace keeps its tier)
  --servicebus-units <n>   Premium messaging units: ${SERVICEBUS_PREMIUM_UNITS.join(', ')} (default: 1)
  --max-instances <n>      Flex Consumption maximum instance count, ${MAX_INSTANCES.min}-${MAX_INSTANCES.max} (default: ${MAX_INSTANCES.default})
  --instance-memory <mb>   Flex Consumption instance memory: ${INSTANCE_MEMORY_MB.join(' | ')} (default: 2048)
  --app-dir <dir>          project root holding package.json, host.json, dist/ and web/dist (default: .)
  --topology <file>        Service Bus topology (default: <app-dir>/servicebus.config.json)
  --what-if                read what exists, print what a run would change, change nothing
  --dry-run                print every command without running any (needs no Azure CLI)
  --yes                    do not ask before changing anything (for CI); without it a terminal is asked
  --teardown               delete the resource group and this deployment's app registration
  --help                   show this text
`;

const PREFIX_PATTERN = /^[a-z][a-z0-9-]{1,18}[a-z0-9]$/;
const LOCATION_PATTERN = /^[a-z][a-z0-9]+$/;
const RESOURCE_GROUP_PATTERN = /^[-\w.()]{1,89}[-\w()]$/;

export function parseOptions(argv: readonly string[], cwd: string): DeployOptions {
  const values = parseFlags(argv);
  const prefix = values.prefix;
  if (!PREFIX_PATTERN.test(prefix)) {
    throw new DeployError(
      `--prefix "${prefix}" is not valid`,
      'Use 3-20 characters: lowercase letters, digits and hyphens, starting with a letter.',
    );
  }
  if (!LOCATION_PATTERN.test(values.location)) {
    throw new DeployError(`--location "${values.location}" is not a region name`, 'Use a name such as swedencentral.');
  }
  const resourceGroup = values['resource-group'] ?? `${prefix}-rg`;
  if (!RESOURCE_GROUP_PATTERN.test(resourceGroup)) {
    throw new DeployError(`--resource-group "${resourceGroup}" is not a valid resource group name`);
  }
  if (values['what-if'] && values['dry-run']) {
    throw new DeployError('--what-if and --dry-run exclude each other', 'Use --what-if to compare with Azure.');
  }
  const appDir = path.resolve(cwd, values['app-dir']);
  return {
    prefix,
    location: values.location,
    resourceGroup,
    extraOrigins: values['web-origin'].map(parseOrigin),
    ...capacityOptions(values),
    appDir,
    topologyFile: path.resolve(appDir, values.topology ?? 'servicebus.config.json'),
    whatIf: values['what-if'],
    dryRun: values['dry-run'],
    teardown: values.teardown,
    yes: values.yes,
    help: values.help,
  };
}

function parseFlags(argv: readonly string[]) {
  try {
    return parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        prefix: { type: 'string', default: DEFAULT_PREFIX },
        location: { type: 'string', default: DEFAULT_LOCATION },
        'resource-group': { type: 'string' },
        'web-origin': { type: 'string', multiple: true, default: [] },
        'signalr-sku': { type: 'string', default: 'Free_F1' },
        'signalr-units': { type: 'string' },
        'servicebus-sku': { type: 'string', default: 'Standard' },
        'servicebus-units': { type: 'string' },
        'max-instances': { type: 'string', default: String(MAX_INSTANCES.default) },
        'instance-memory': { type: 'string', default: '2048' },
        'app-dir': { type: 'string', default: '.' },
        topology: { type: 'string' },
        'what-if': { type: 'boolean', default: false },
        'dry-run': { type: 'boolean', default: false },
        teardown: { type: 'boolean', default: false },
        yes: { type: 'boolean', default: false },
        help: { type: 'boolean', default: false },
      },
    }).values;
  } catch (error) {
    throw new DeployError((error as Error).message, 'Run with --help to see the options.');
  }
}

type CapacityFlags = Pick<ReturnType<typeof parseFlags>, 'signalr-sku' | 'signalr-units' | 'servicebus-sku'> &
  Pick<ReturnType<typeof parseFlags>, 'servicebus-units' | 'max-instances' | 'instance-memory'>;

/** The settings that decide how far the deployment scales (docs/scale.md), each checked against its limits. */
function capacityOptions(values: CapacityFlags) {
  const signalRSku = oneOf('--signalr-sku', values['signalr-sku'], SIGNALR_SKUS);
  const signalRUnits = values['signalr-units']
    ? integer('--signalr-units', values['signalr-units'])
    : signalRSku === 'Premium_P2'
      ? 100
      : 1;
  const allowedUnits = signalRUnitChoices(signalRSku);
  if (!allowedUnits.includes(signalRUnits)) {
    throw new DeployError(
      `--signalr-units ${signalRUnits} is not available on ${signalRSku}`,
      `${signalRSku} takes ${UNIT_CHOICES_TEXT[signalRSku]} units.`,
    );
  }
  const serviceBusSku = oneOf('--servicebus-sku', values['servicebus-sku'], SERVICEBUS_SKUS);
  const serviceBusUnits = values['servicebus-units']
    ? integer('--servicebus-units', values['servicebus-units'])
    : undefined;
  if (serviceBusUnits !== undefined && serviceBusSku !== 'Premium') {
    throw new DeployError('--servicebus-units applies to --servicebus-sku Premium only', 'Standard has no units.');
  }
  if (serviceBusUnits !== undefined && !(SERVICEBUS_PREMIUM_UNITS as readonly number[]).includes(serviceBusUnits)) {
    throw new DeployError(`--servicebus-units ${serviceBusUnits} is not one of ${SERVICEBUS_PREMIUM_UNITS.join(', ')}`);
  }
  const maxInstances = integer('--max-instances', values['max-instances']);
  if (maxInstances < MAX_INSTANCES.min || maxInstances > MAX_INSTANCES.max) {
    throw new DeployError(
      `--max-instances ${maxInstances} is outside ${MAX_INSTANCES.min}-${MAX_INSTANCES.max}`,
      'Flex Consumption allows a maximum instance count from 1 to 1000.',
    );
  }
  const instanceMemoryMb = integer('--instance-memory', values['instance-memory']);
  if (!(INSTANCE_MEMORY_MB as readonly number[]).includes(instanceMemoryMb)) {
    throw new DeployError(`--instance-memory ${instanceMemoryMb} is not one of ${INSTANCE_MEMORY_MB.join(', ')}`);
  }
  return {
    signalRSku,
    signalRUnits,
    serviceBusSku,
    serviceBusUnits: serviceBusSku === 'Premium' ? (serviceBusUnits ?? 1) : undefined,
    maxInstances,
    instanceMemoryMb,
  };
}

/** Unit counts Azure SignalR Service offers per SKU (signalr-howto-scale-signalr). */
export function signalRUnitChoices(sku: SignalRSku): number[] {
  if (sku === 'Free_F1') return [1];
  if (sku === 'Premium_P2') return Array.from({ length: 10 }, (_, i) => (i + 1) * 100);
  return [...Array.from({ length: 10 }, (_, i) => i + 1), ...Array.from({ length: 9 }, (_, i) => (i + 2) * 10)];
}

const UNIT_CHOICES_TEXT: Record<SignalRSku, string> = {
  Free_F1: '1',
  Standard_S1: '1-10, 20, 30 ... 100',
  Premium_P1: '1-10, 20, 30 ... 100',
  Premium_P2: '100, 200 ... 1000',
};

function oneOf<T extends string>(flag: string, value: string, choices: readonly T[]): T {
  const match = choices.find((choice) => choice.toLowerCase() === value.toLowerCase());
  if (!match) throw new DeployError(`${flag} "${value}" is not one of ${choices.join(', ')}`);
  return match;
}

function integer(flag: string, value: string): number {
  if (!/^\d{1,7}$/.test(value)) throw new DeployError(`${flag} "${value}" is not a whole number`);
  return Number(value);
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
