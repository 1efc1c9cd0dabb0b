import { createInterface } from 'node:readline/promises';
import type { AzCli } from './az.js';
import type { DeployOptions, ResourceNames } from './options.js';

export type TeardownIo = { log: (line: string) => void; input: NodeJS.ReadableStream };

/** Deletes the resource group (everything the deployment created in Azure) and the Entra ID app registration. */
export async function teardown(
  az: AzCli,
  options: DeployOptions,
  names: ResourceNames,
  io: TeardownIo,
): Promise<boolean> {
  const exists = await az.json<boolean>(['group', 'exists', '--name', names.resourceGroup], true);
  if (!exists) {
    io.log(`Resource group ${names.resourceGroup} does not exist: nothing to delete in it.`);
  } else if (!options.yes && !az.dryRun && !(await confirmed(names.resourceGroup, io))) {
    io.log('Not confirmed: nothing deleted.');
    return false;
  }
  const appId = await az.tsv(
    ['ad', 'app', 'list', '--display-name', names.entraApp, '--query', '[0].appId'],
    '<entra-app-id>',
  );
  if (appId) await az.change(['ad', 'app', 'delete', '--id', appId]);
  if (exists) await az.change(['group', 'delete', '--name', names.resourceGroup, '--yes']);
  io.log('Deleted.');
  return true;
}

async function confirmed(resourceGroup: string, io: TeardownIo): Promise<boolean> {
  const prompt = createInterface({ input: io.input, terminal: false });
  try {
    io.log(`This deletes resource group ${resourceGroup} and everything in it. Type its name to confirm:`);
    const answer = await new Promise<string>((resolve) => {
      prompt.once('line', resolve);
      prompt.once('close', () => resolve(''));
    });
    return answer.trim() === resourceGroup;
  } finally {
    prompt.close();
  }
}
