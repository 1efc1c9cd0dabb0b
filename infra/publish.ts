import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { appPackageEntries } from './appPackage.js';
import { functionAppUrl, type DeployContext } from './context.js';
import { DeployError } from './deployError.js';
import { writeZip } from './zip.js';

const DEPLOY_ATTEMPTS = 5;
/** Role assignments take up to ~10 minutes to reach the host; until then Flex reports the app as unhealthy. */
const UNHEALTHY_RETRY_MS = 60_000;
const UNHEALTHY = /unhealthy|another deployment|409/i;

/** Runs `body` with a private temporary directory that is always removed afterwards. */
async function withTempDir<T>(body: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'order-notifications-deploy-'));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function publishFunctionApp(ctx: DeployContext): Promise<void> {
  const { az, names, options } = ctx;
  ctx.step('Publish the Functions app');
  await withTempDir(async (dir) => {
    const zip = path.join(dir, 'app.zip');
    if (az.dryRun) {
      ctx.log(`# zip package.json, host.json, dist/src and production node_modules of ${options.appDir} into app.zip`);
    } else {
      const entries = await appPackageEntries(options.appDir);
      await writeZip(zip, entries);
      ctx.log(`# packaged ${entries.length} files`);
    }
    const args = ['functionapp', 'deployment', 'source', 'config-zip'];
    args.push('--resource-group', names.resourceGroup, '--name', names.functionApp, '--src', zip, '--timeout', '900');
    for (let attempt = 1; ; attempt++) {
      try {
        await az.change(args);
        return;
      } catch (error) {
        const retryable = error instanceof DeployError && UNHEALTHY.test(error.message);
        if (!retryable || attempt === DEPLOY_ATTEMPTS) throw error;
        ctx.log(`# the host is not healthy yet (role assignments propagate slowly); retrying in a minute`);
        await ctx.sleep(UNHEALTHY_RETRY_MS);
      }
    }
  });
}

/** web/dist goes to the storage static website, with a config.json that points the client at the API. */
export async function publishWebClient(ctx: DeployContext): Promise<void> {
  const { az, names, options } = ctx;
  const webDist = path.join(options.appDir, 'web', 'dist');
  ctx.step('Publish the web client (storage static website)');
  if (!existsSync(path.join(webDist, 'index.html'))) {
    ctx.log(`# ${webDist}/index.html not found: skipping the web client (build it first to publish it)`);
    return;
  }
  // The static website is a data-plane feature; `--auth-mode key` lets the CLI fetch the account key itself,
  // so the key never passes through this program or its output.
  const account = ['--account-name', names.storageAccount, '--auth-mode', 'key'];
  await az.change([
    'storage',
    'blob',
    'service-properties',
    'update',
    ...account,
    '--static-website',
    '--index-document',
    'index.html',
    '--404-document',
    'index.html',
  ]);
  await az.change([
    'storage',
    'blob',
    'upload-batch',
    ...account,
    '--destination',
    '$web',
    '--source',
    webDist,
    '--overwrite',
    'true',
  ]);
  await withTempDir(async (dir) => {
    const config = path.join(dir, 'config.json');
    await writeFile(config, JSON.stringify({ apiBaseUrl: functionAppUrl(names), authProvider: 'aad' }, null, 2));
    await az.change([
      'storage',
      'blob',
      'upload',
      ...account,
      '--container-name',
      '$web',
      '--name',
      'config.json',
      '--file',
      config,
      '--content-type',
      'application/json',
      '--overwrite',
      'true',
    ]);
  });
}
