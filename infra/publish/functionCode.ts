import path from 'node:path';
import type { CommandResult } from '../core/commandRunner.js';
import { describeDuration, MINUTE, SECOND } from '../core/clock.js';
import type { DeployContext } from '../core/context.js';
import { pollUntil } from '../core/poll.js';
import { maskSecrets } from '../core/secrets.js';
import { appPackageEntries } from './appPackage.js';
import { waitForDeployment } from './deploymentStatus.js';
import { withTempDir } from './tempDir.js';
import { writeZip } from './zip.js';

/** Our bound on the publish command; the CLI's own `--timeout` bounds only its wait for the deployment status. */
export const PUBLISH_TIMEOUT_MS = 15 * MINUTE;
const CLI_DEPLOYMENT_TIMEOUT_S = 600;
/** How long the app's identity may take to be allowed to write its package (role propagation). */
export const IDENTITY_UPLOAD_WAIT_MS = 10 * MINUTE;
const RETRY_MS = 30 * SECOND;

/** The deployment service wrote the package with the app's identity and storage said no: the role is not there yet. */
const IDENTITY_NOT_YET = /BlobUploadFailed|AuthorizationPermissionMismatch|AuthorizationFailure|\b403\b/i;
const ANOTHER_DEPLOYMENT = /ongoing deployment|\b409\b/i;
/**
 * The CLI's post-deploy check found the host not healthy: it says so, or fails to read the host key (the host keeps
 * its keys in its storage, so it cannot hand them out before its identity may use that storage).
 */
const HOST_UNHEALTHY = /appears to be unhealthy|Failed to fetch host key/i;

export type PublishOutcome = 'published' | 'host-not-healthy-yet' | 'cli-stopped';

/**
 * Zips the app and publishes it. The upload is the first thing the app's identity does with storage, so while
 * its role propagates the publish is retried (bounded); whatever the CLI's own post-deploy health check says, or
 * if it never returns, the host's health is checked by waitForHealthyHost afterwards.
 */
export async function publishFunctionApp(ctx: DeployContext): Promise<PublishOutcome> {
  const { az, names, options } = ctx;
  ctx.step('Publish the Functions app');
  ctx.plan.record({ kind: 'run', target: `publish the Functions app package to ${names.functionApp}` });
  return withTempDir(async (dir) => {
    const zip = path.join(dir, 'app.zip');
    const args = ['functionapp', 'deployment', 'source', 'config-zip', '--resource-group', names.resourceGroup];
    args.push('--name', names.functionApp, '--src', zip, '--timeout', String(CLI_DEPLOYMENT_TIMEOUT_S));
    if (!az.writes) {
      ctx.log(`# zip package.json, host.json, dist/src and production node_modules of ${options.appDir} into app.zip`);
      await az.change(args);
      return 'published';
    }
    const entries = await appPackageEntries(options.appDir);
    await writeZip(zip, entries);
    ctx.log(`# packaged ${entries.length} files`);
    const { outcome, output } = await pollUntil({
      clock: ctx.clock,
      what: "the app's identity to be allowed to write its package (new role assignments take minutes)",
      timeoutMs: IDENTITY_UPLOAD_WAIT_MS,
      intervalMs: RETRY_MS,
      log: ctx.log,
      hint: `Run the same command again later: ${az.resumeHint}`,
      probe: async () => interpret(ctx, args, await az.attempt(args, { timeoutMs: PUBLISH_TIMEOUT_MS })),
    });
    if (outcome === 'cli-stopped') await waitForDeployment(ctx, output);
    return outcome;
  });
}

type Attempt = { outcome: PublishOutcome; output: string };

async function interpret(ctx: DeployContext, args: string[], result: CommandResult | undefined) {
  const done = (outcome: PublishOutcome) => ({
    done: true as const,
    value: { outcome, output: result?.stderr ?? '' } as Attempt,
  });
  if (!result || result.code === 0) return done('published');
  if (result.timedOut) {
    ctx.log(
      `# the publish command did not return within ${describeDuration(PUBLISH_TIMEOUT_MS)} and was stopped ` +
        '(some CLI versions re-check an unhealthy host forever); the deployment and the host are checked below instead',
    );
    return done('cli-stopped');
  }
  if (HOST_UNHEALTHY.test(result.stderr)) {
    ctx.log('# the package is deployed; the CLI saw the host not healthy yet, which is checked below');
    return done('host-not-healthy-yet');
  }
  if (IDENTITY_NOT_YET.test(result.stderr) || ANOTHER_DEPLOYMENT.test(result.stderr)) {
    return { done: false as const, seen: errorLine(result.stderr) };
  }
  throw ctx.az.failure(args, result);
}

/** The CLI's error line (its warnings come first), masked and short. */
function errorLine(stderr: string): string {
  const lines = maskSecrets(stderr)
    .split('\n')
    .filter((l) => l.trim());
  const line = lines.find((l) => l.startsWith('ERROR:')) ?? lines[0] ?? '';
  return line.replace(/^ERROR:\s*/, '').slice(0, 200);
}
