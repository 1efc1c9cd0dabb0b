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
  const groupExists = await az.json<boolean>(['group', 'exists', '--name', names.resourceGroup], true);
  const appId = await az.tsv(
    ['ad', 'app', 'list', '--display-name', names.entraApp, '--query', '[0].appId'],
    '<entra-app-id>',
  );
  if (!groupExists && !appId) {
    io.log(
      `Neither resource group ${names.resourceGroup} nor app registration ${names.entraApp} exists: nothing to delete.`,
    );
    return true;
  }
  if (!options.yes && !az.dryRun && !(await confirmed(names.resourceGroup, io))) {
    io.log('Not confirmed: nothing deleted.');
    return false;
  }
  if (appId) await az.change(['ad', 'app', 'delete', '--id', appId]);
  if (groupExists) await az.change(['group', 'delete', '--name', names.resourceGroup, '--yes']);
  io.log('Deleted.');
  return true;
}

async function confirmed(resourceGroup: string, io: TeardownIo): Promise<boolean> {
  const prompt = createInterface({ input: io.input, terminal: false });
  try {
    io.log(`This deletes resource group ${resourceGroup}, everything in it, and the sign-in app registration.`);
    io.log('Type the resource group name to confirm:');
    const answer = await new Promise<string>((resolve) => {
      prompt.once('line', resolve);
      prompt.once('close', () => resolve(''));
    });
    return answer.trim() === resourceGroup;
  } finally {
    prompt.close();
  }
}
