import { AzCliMissingError, CommandTimeoutError, notSignedIn, type AzCli } from '../core/az.js';
import type { Confirm } from '../core/confirm.js';
import type { Account, Deployer } from '../core/context.js';
import { DeployError } from '../core/deployError.js';
import type { Plan } from '../core/plan.js';
import { checkCliVersion } from './cliVersion.js';

export const AUTH_EXTENSION = 'authV2';

export type Preflight = { account: Account; deployer: Deployer; authExtension: boolean };

/**
 * Fails early, with the fix, on what would otherwise break halfway: an old CLI, no sign-in, the missing
 * authentication extension, a region without Flex Consumption.
 */
export async function preflight(az: AzCli, location: string, confirm: Confirm, plan: Plan): Promise<Preflight> {
  await checkCliVersion(az);
  const account = await signedInAccount(az);
  const authExtension = await ensureAuthExtension(az, confirm, plan);
  const regions = await az.json<string[]>(
    ['functionapp', 'list-flexconsumption-locations', '--query', '[].name'],
    [location],
  );
  if (!regions.includes(location)) {
    throw new DeployError(
      `The region ${location} does not offer the Flex Consumption plan.`,
      `Pass --location with one of: ${regions.join(', ')}.`,
    );
  }
  return { account, deployer: await deployingPrincipal(az, account), authExtension };
}

export async function signedInAccount(az: AzCli): Promise<Account> {
  const account = await az
    .json<{ id: string; tenantId: string; user?: { name: string; type: string } }>(['account', 'show'], {
      id: '<subscription-id>',
      tenantId: '<tenant-id>',
      user: { name: '<you>', type: 'user' },
    })
    .catch((error: unknown) => {
      // Any failure of `account show` other than a missing CLI means there is no usable sign-in.
      const other = error instanceof AzCliMissingError || error instanceof CommandTimeoutError;
      if (error instanceof DeployError && !other) throw notSignedIn();
      throw error;
    });
  return {
    subscriptionId: account.id,
    tenantId: account.tenantId,
    user: account.user ?? { name: '', type: 'user' },
  };
}

/** The App Service Authentication v2 commands (`az webapp auth ...`) live in an extension. */
async function ensureAuthExtension(az: AzCli, confirm: Confirm, plan: Plan): Promise<boolean> {
  const installed = await az.find(['extension', 'show', '--name', AUTH_EXTENSION]).catch((error: unknown) => {
    if (error instanceof DeployError && /not installed/i.test(error.message)) return undefined;
    throw error;
  });
  if (installed || az.mode === 'dry-run') return true;
  // Counted as a change: it is one, if on this machine rather than in Azure.
  plan.record({ kind: 'create', target: `Azure CLI extension ${AUTH_EXTENSION} (on this machine)` });
  if (!az.writes) return false;
  const question = `The Azure CLI extension ${AUTH_EXTENSION} (App Service Authentication commands) is missing. Install it now?`;
  if (!(await confirm(question))) {
    throw new DeployError(
      `The Azure CLI extension ${AUTH_EXTENSION} is required.`,
      `Install it with \`az extension add --name ${AUTH_EXTENSION}\`, or run again with --yes to let the deployment install it.`,
    );
  }
  await az.change(['extension', 'add', '--name', AUTH_EXTENSION, '--yes']);
  return true;
}

/** The object id of whoever is signed in, for the role that lets them upload the web client without keys. */
async function deployingPrincipal(az: AzCli, account: Account): Promise<Deployer> {
  if (account.user.type === 'servicePrincipal') {
    const objectId = await az.tsv(['ad', 'sp', 'show', '--id', account.user.name, '--query', 'id'], '<deployer-id>');
    return { objectId, principalType: 'ServicePrincipal' };
  }
  const objectId = await az.tsv(['ad', 'signed-in-user', 'show', '--query', 'id'], '<deployer-id>');
  return { objectId, principalType: 'User' };
}
