import { MINUTE, SECOND } from '../core/clock.js';
import type { DeployContext } from '../core/context.js';
import { DeployError } from '../core/deployError.js';
import { pollUntil } from '../core/poll.js';

export const DEPLOYMENT_STATUS_WAIT_MS = 10 * MINUTE;
const INTERVAL_MS = 15 * SECOND;
/** The CLI prints this before its own health check: "... responded with status code 202 for deployment id <id>". */
const DEPLOYMENT_ID = /for deployment id\s+"?([\w-]+)"?/i;
/** The SCM site accepts the same Entra token the CLI sends it: the classic management audience. */
const SCM_RESOURCE = 'https://management.core.windows.net/';
/** Kudu's deployment status values, which the Flex Consumption publish endpoint reports too. */
const STATUS: Record<number, string> = { 0: 'pending', 1: 'building', 2: 'deploying', 3: 'failed', 4: 'succeeded' };

type Deployment = { status?: number; complete?: boolean; status_text?: string | null };

/**
 * When the publish command had to be stopped, whether the new package is live is read from the deployment the CLI
 * had started (its id is in what the CLI printed), with a bound of our own; without that id it is unknown.
 */
export async function waitForDeployment(ctx: DeployContext, cliOutput: string): Promise<void> {
  const { az, names } = ctx;
  const id = DEPLOYMENT_ID.exec(cliOutput)?.[1];
  if (!id) {
    throw new DeployError(
      'The publish command was stopped before it reported a deployment, so whether the new package is live is unknown.',
      `Run the same command again to publish again: ${az.resumeHint}`,
    );
  }
  const scm = await az.tsv(
    ['functionapp', 'show', '--resource-group', names.resourceGroup, '--name', names.functionApp].concat([
      '--query',
      "hostNameSslStates[?hostType=='Repository'].name | [0]",
    ]),
    '',
  );
  if (!scm) throw new DeployError(`Function App ${names.functionApp} names no SCM host to ask for deployment ${id}.`);
  const url = `https://${scm}/api/deployments/${id}`;
  await pollUntil({
    clock: ctx.clock,
    what: `deployment ${id} to finish`,
    timeoutMs: DEPLOYMENT_STATUS_WAIT_MS,
    intervalMs: INTERVAL_MS,
    log: ctx.log,
    hint: `See it with: az rest --method get --url ${url} --resource ${SCM_RESOURCE}; then run again: ${az.resumeHint}`,
    probe: async () => {
      const result = await az.probe(['rest', '--method', 'get', '--url', url, '--resource', SCM_RESOURCE]);
      if (!result || result.code !== 0) return { done: false, seen: 'no answer' };
      const deployment = JSON.parse(result.stdout) as Deployment;
      if (deployment.status === 4) return { done: true, value: undefined };
      if (deployment.status === 3) {
        throw new DeployError(
          `Deployment ${id} failed: ${deployment.status_text || 'no reason given'}.`,
          az.resumeHint,
        );
      }
      return { done: false, seen: STATUS[deployment.status ?? 0] ?? `status ${deployment.status}` };
    },
  });
  ctx.log(`# deployment ${id}: succeeded`);
}
