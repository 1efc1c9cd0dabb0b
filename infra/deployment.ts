import { reconcileAppSettings } from './access/appSettings.js';
import { reconcileRoles } from './access/roles.js';
import { reconcileEasyAuth, reconcileFunctionCors } from './auth/easyAuth.js';
import { reconcileEntraApp } from './auth/entraApp.js';
import type { AzCli } from './core/az.js';
import type { Clock } from './core/clock.js';
import type { Confirm } from './core/confirm.js';
import { resourceIds, type DeployContext, type HttpProbe } from './core/context.js';
import { resourceNames, type DeployOptions } from './core/options.js';
import { Plan } from './core/plan.js';
import { preflight } from './preflight/preflight.js';
import { reconcileFunctionApp } from './resources/functionApp.js';
import { reconcileResourceGroup } from './resources/resourceGroup.js';
import { reconcileServiceBus } from './resources/serviceBus.js';
import { reconcileSignalR } from './resources/signalR.js';
import { lockSharedKey, reconcileStorage } from './resources/storage.js';
import { loadTopology } from './resources/topology.js';
import { publishFunctionApp } from './publish/functionCode.js';
import { waitForHealthyHost } from './publish/health.js';
import { publishWebClient } from './publish/webClient.js';
import { verifyAuthentication, verifyPreflight } from './verify/smoke.js';

export type DeploymentDeps = {
  clock: Clock;
  confirm: Confirm;
  http: HttpProbe;
  log: (line: string) => void;
};

/**
 * One pass over everything the deployment owns, in dependency order. Each step reads what exists, records what
 * differs in the plan, and (when `az` runs writes) changes it; in what-if the same pass only records.
 */
export async function deployment(az: AzCli, options: DeployOptions, deps: DeploymentDeps): Promise<DeployContext> {
  const plan = new Plan();
  const topology = loadTopology(options.topologyFile);
  const names = resourceNames(options);
  const checked = await preflight(az, options.location, deps.confirm, plan);
  const ctx: DeployContext = {
    az,
    options,
    names,
    topology,
    account: checked.account,
    deployer: checked.deployer,
    ids: resourceIds(checked.account.subscriptionId, names),
    clock: deps.clock,
    plan,
    confirm: deps.confirm,
    http: deps.http,
    log: deps.log,
    step: (title) => deps.log(`\n==> ${title}`),
    state: {
      webOrigins: [...options.extraOrigins],
      staticWebsiteUrl: '',
      principalId: '',
      entraAppId: '',
      sharedKeyAccess: true,
      created: new Set(),
    },
  };
  const groupTags = await reconcileResourceGroup(ctx);
  await reconcileStorage(ctx);
  await reconcileServiceBus(ctx);
  await reconcileSignalR(ctx);
  await reconcileFunctionApp(ctx);
  await reconcileRoles(ctx);
  await reconcileAppSettings(ctx);
  ctx.state.entraAppId = await reconcileEntraApp(ctx, groupTags);
  await reconcileEasyAuth(ctx, ctx.state.entraAppId, checked.authExtension);
  await reconcileFunctionCors(ctx);
  await publishFunctionApp(ctx);
  await waitForHealthyHost(ctx);
  // Keys go off only now, with the host seen running on its identity.
  await lockSharedKey(ctx);
  await publishWebClient(ctx);
  await verifyAuthentication(ctx);
  await verifyPreflight(ctx);
  return ctx;
}
