import type { AzCli } from './core/az.js';
import { MINUTE, SECOND } from './core/clock.js';
import type { Clock } from './core/clock.js';
import type { Ask } from './core/confirm.js';
import { ENTRA_APP_TAG, entraAppIdentifierUri } from './core/context.js';
import type { DeployOptions, ResourceNames } from './core/options.js';
import { pollUntil } from './core/poll.js';
import { signedInAccount } from './preflight/preflight.js';

export type TeardownIo = { log: (line: string) => void; ask: Ask; clock: Clock };

export const GROUP_DELETE_WAIT_MS = 30 * MINUTE;

/**
 * Deletes the resource group (everything the deployment created in Azure) and this deployment's app
 * registration: the one registered under its identifier URI, never one found by name.
 */
export async function teardown(
  az: AzCli,
  options: DeployOptions,
  names: ResourceNames,
  io: TeardownIo,
): Promise<boolean> {
  const account = await signedInAccount(az);
  const uri = entraAppIdentifierUri(account, names.resourceGroup);
  const dryRun = az.mode === 'dry-run';
  const group = dryRun
    ? { tags: {} }
    : await az.find<{ tags?: Record<string, string> | null }>(['group', 'show', '--name', names.resourceGroup]);
  const apps = await az.json<{ appId: string }[]>(
    ['ad', 'app', 'list', '--identifier-uri', uri, '--query', '[].{appId: appId}'],
    [{ appId: '<entra-app-id>' }],
  );
  const appId = apps[0]?.appId;
  if (!group && !appId) {
    io.log(
      `Neither resource group ${names.resourceGroup} nor an app registration for ${uri} exists: nothing to delete.`,
    );
    return true;
  }
  const tagged = group?.tags?.[ENTRA_APP_TAG];
  if (tagged && tagged !== appId) {
    io.log(`# the group's ${ENTRA_APP_TAG} tag names ${tagged}, which is not registered under ${uri}: left alone`);
  }
  io.log(
    `To delete: ${[group && `resource group ${names.resourceGroup} and everything in it`, appId && `app registration ${appId} (${uri})`].filter(Boolean).join('; ')}.`,
  );
  if (az.writes && !options.yes) {
    const answer = await io.ask(`Type the resource group name (${names.resourceGroup}) to confirm:`);
    if (answer !== names.resourceGroup) {
      io.log('Not confirmed: nothing deleted.');
      return false;
    }
  }
  if (appId) await az.change(['ad', 'app', 'delete', '--id', appId]);
  if (group) await deleteGroup(az, names.resourceGroup, io);
  io.log(az.writes ? 'Deleted.' : 'Nothing was deleted (what-if).');
  return true;
}

/** `group delete` can take half an hour; it is started without waiting and then watched, within a bound. */
async function deleteGroup(az: AzCli, group: string, io: TeardownIo): Promise<void> {
  await az.change(['group', 'delete', '--name', group, '--yes', '--no-wait']);
  if (!az.writes) return;
  await pollUntil({
    clock: io.clock,
    what: `resource group ${group} to be deleted`,
    timeoutMs: GROUP_DELETE_WAIT_MS,
    intervalMs: 30 * SECOND,
    log: io.log,
    hint: `Azure keeps deleting in the background; check with \`az group exists --name ${group}\`.`,
    probe: async () => {
      const exists = await az.json<boolean>(['group', 'exists', '--name', group], false);
      return exists ? { done: false, seen: 'still there' } : { done: true, value: undefined };
    },
  });
}
