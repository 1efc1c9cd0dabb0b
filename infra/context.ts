import type { AzCli } from './az.js';
import type { DeployOptions, ResourceNames } from './options.js';
import type { Topology } from './topology.js';

export type Account = { subscriptionId: string; tenantId: string };

/** Everything a deployment step needs; steps share facts (principal id, origins) through `state`. */
export type DeployContext = {
  az: AzCli;
  options: DeployOptions;
  names: ResourceNames;
  topology: Topology;
  account: Account;
  ids: ResourceIds;
  log: (line: string) => void;
  step: (title: string) => void;
  sleep: (ms: number) => Promise<void>;
  state: {
    /** Browser origins allowed by CORS (SignalR and Function App) and by the sign-in redirect. */
    webOrigins: string[];
    staticWebsiteUrl: string;
    principalId: string;
  };
};

export type ResourceIds = ReturnType<typeof resourceIds>;

/** ARM ids, built rather than queried so dry-run can print the exact role-assignment scopes. */
export function resourceIds(subscriptionId: string, names: ResourceNames) {
  const group = `/subscriptions/${subscriptionId}/resourceGroups/${names.resourceGroup}`;
  const storage = `${group}/providers/Microsoft.Storage/storageAccounts/${names.storageAccount}`;
  const namespace = `${group}/providers/Microsoft.ServiceBus/namespaces/${names.serviceBusNamespace}`;
  return {
    storage,
    ordersTable: `${storage}/tableServices/default/tables/${names.ordersTable}`,
    namespace,
    topic: (topic: string) => `${namespace}/topics/${topic}`,
    subscription: (topic: string, subscription: string) => `${namespace}/topics/${topic}/subscriptions/${subscription}`,
    signalR: `${group}/providers/Microsoft.SignalRService/signalR/${names.signalR}`,
  };
}

export function functionAppUrl(names: ResourceNames): string {
  return `https://${names.functionApp}.azurewebsites.net`;
}
