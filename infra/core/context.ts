import { createHash } from 'node:crypto';
import type { AzCli } from './az.js';
import type { Clock } from './clock.js';
import type { Confirm } from './confirm.js';
import type { DeployOptions, ResourceNames } from './options.js';
import type { Plan } from './plan.js';
import type { Topology } from '../../local/servicebus/index.js';

export type Account = {
  subscriptionId: string;
  tenantId: string;
  /** Who runs the deployment: a person (`user`) or a pipeline's service principal. */
  user: { name: string; type: string };
};

/** The signed-in principal, which gets the data role it needs to upload the static website. */
export type Deployer = { objectId: string; principalType: 'User' | 'ServicePrincipal' };

export type HttpRequest = { method: 'GET' | 'OPTIONS'; url: string; headers: Record<string, string> };
export type HttpAnswer = { status: number; headers: Record<string, string> };
/** One HTTP request without following redirects (the smoke checks); injectable so tests need no network. */
export type HttpProbe = (request: HttpRequest) => Promise<HttpAnswer>;

/** Everything a deployment step needs; steps share facts (principal id, origins) through `state`. */
export type DeployContext = {
  az: AzCli;
  options: DeployOptions;
  names: ResourceNames;
  topology: Topology;
  account: Account;
  deployer: Deployer;
  ids: ResourceIds;
  clock: Clock;
  plan: Plan;
  confirm: Confirm;
  http: HttpProbe;
  log: (line: string) => void;
  step: (title: string) => void;
  state: {
    /** Browser origins allowed by CORS (SignalR and Function App) and by the sign-in redirect. */
    webOrigins: string[];
    staticWebsiteUrl: string;
    principalId: string;
    entraAppId: string;
    /** Whether storage account keys still work; turned off once the app runs on its identity. */
    sharedKeyAccess: boolean;
    /** ARM ids of resources this run creates (or, in what-if, would create). */
    created: Set<string>;
  };
};

/**
 * Whether a resource can be read: false only when what-if or dry-run plans to create it, so there is nothing in
 * Azure to look at yet and the step answers from what creation would leave.
 */
export function readable(ctx: DeployContext, id: string): boolean {
  if (ctx.az.writes) return true;
  const lower = id.toLowerCase();
  return ![...ctx.state.created].some((created) => {
    const parent = created.toLowerCase();
    return lower === parent || lower.startsWith(`${parent}/`);
  });
}

export type ResourceIds = ReturnType<typeof resourceIds>;

/** ARM ids, built rather than queried so what-if and dry-run can print the exact role-assignment scopes. */
export function resourceIds(subscriptionId: string, names: ResourceNames) {
  const group = `/subscriptions/${subscriptionId}/resourceGroups/${names.resourceGroup}`;
  const storage = `${group}/providers/Microsoft.Storage/storageAccounts/${names.storageAccount}`;
  const namespace = `${group}/providers/Microsoft.ServiceBus/namespaces/${names.serviceBusNamespace}`;
  const site = `${group}/providers/Microsoft.Web/sites/${names.functionApp}`;
  return {
    group,
    storage,
    ordersTable: `${storage}/tableServices/default/tables/${names.ordersTable}`,
    namespace,
    topic: (topic: string) => `${namespace}/topics/${topic}`,
    subscription: (topic: string, subscription: string) => `${namespace}/topics/${topic}/subscriptions/${subscription}`,
    signalR: `${group}/providers/Microsoft.SignalRService/signalR/${names.signalR}`,
    site,
  };
}

export const ARM = 'https://management.azure.com';

export function functionAppUrl(names: ResourceNames): string {
  return `https://${names.functionApp}.azurewebsites.net`;
}

/**
 * The unique key of this deployment's Entra ID app registration: an identifier URI in the tenant-scoped form
 * Entra accepts without a verified domain, derived from the subscription and the resource group. Display names
 * are not unique in a tenant; identifier URIs are.
 */
export function entraAppIdentifierUri(account: Pick<Account, 'subscriptionId' | 'tenantId'>, group: string): string {
  const key = createHash('sha256')
    .update(`${account.subscriptionId.toLowerCase()}/${group.toLowerCase()}`)
    .digest('hex')
    .slice(0, 16);
  return `api://${account.tenantId}/order-notifications-${key}`;
}

/** The resource group tag that records which app registration this deployment owns. */
export const ENTRA_APP_TAG = 'orderNotificationsEntraAppId';
