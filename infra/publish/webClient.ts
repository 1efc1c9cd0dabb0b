import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { MINUTE, SECOND } from '../core/clock.js';
import { functionAppUrl, readable, type DeployContext } from '../core/context.js';
import { pollUntil } from '../core/poll.js';
import { maskSecrets } from '../core/secrets.js';
import { withTempDir } from './tempDir.js';

/** How long the deployer's new Storage Blob Data Contributor role may take to reach the blob service. */
export const DATA_ROLE_WAIT_MS = 10 * MINUTE;
const INTERVAL_MS = 20 * SECOND;
const NOT_PERMITTED = /required permissions|AuthorizationPermissionMismatch|AuthorizationFailure|not authorized|403/i;

type StaticWebsite = { enabled?: boolean; indexDocument?: string | null; errorDocument_404Path?: string | null };

/**
 * web/dist goes to the storage static website, with a config.json that points the client at the API. Every
 * data-plane call signs in as the deployer (`--auth-mode login`): the account has no usable keys.
 */
export async function publishWebClient(ctx: DeployContext): Promise<void> {
  const { az, names, options } = ctx;
  const webDist = path.join(options.appDir, 'web', 'dist');
  ctx.step('Publish the web client (storage static website)');
  if (!existsSync(path.join(webDist, 'index.html'))) {
    ctx.log(`# ${webDist}/index.html not found: skipping the web client (build it first to publish it)`);
    return;
  }
  ctx.plan.record({
    kind: 'run',
    target: `upload web/dist and config.json to the static website of ${names.storageAccount}`,
  });
  const account = ['--account-name', names.storageAccount, '--auth-mode', 'login'];
  if (az.writes) await waitForDataRole(ctx, account);
  await ensureStaticWebsite(ctx, account);
  await az.change(
    ['storage', 'blob', 'upload-batch', ...account, '--destination', '$web', '--source', webDist].concat([
      '--overwrite',
      'true',
    ]),
  );
  await withTempDir(async (dir) => {
    const config = path.join(dir, 'config.json');
    await writeFile(config, JSON.stringify({ apiBaseUrl: functionAppUrl(names), authProvider: 'aad' }, null, 2));
    await az.change(
      ['storage', 'blob', 'upload', ...account, '--container-name', '$web', '--name', 'config.json'].concat([
        '--file',
        config,
        '--content-type',
        'application/json',
        '--overwrite',
        'true',
      ]),
    );
  });
}

/** A read with the deployer's sign-in: allowed once the data role has reached the blob service. */
async function waitForDataRole(ctx: DeployContext, account: string[]): Promise<void> {
  const probe = ['storage', 'blob', 'exists', ...account, '--container-name', '$web', '--name', 'index.html'];
  await pollUntil({
    clock: ctx.clock,
    what: 'your Storage Blob Data Contributor role to reach the blob service',
    timeoutMs: DATA_ROLE_WAIT_MS,
    intervalMs: INTERVAL_MS,
    log: ctx.log,
    hint: `Role assignments can take longer on some tenants; run the same command again: ${ctx.az.resumeHint}`,
    probe: async () => {
      const result = await ctx.az.probe(probe);
      if (!result || result.code === 0) return { done: true, value: undefined };
      if (result.timedOut || NOT_PERMITTED.test(result.stderr)) {
        return { done: false, seen: result.timedOut ? 'no answer' : 'not permitted yet' };
      }
      throw ctx.az.failure(probe, { ...result, stderr: maskSecrets(result.stderr) });
    },
  });
}

async function ensureStaticWebsite(ctx: DeployContext, account: string[]): Promise<void> {
  const show = ['storage', 'blob', 'service-properties', 'show', ...account, '--query', 'staticWebsite'];
  const result = readable(ctx, ctx.ids.storage) ? await ctx.az.probe(show) : undefined;
  // In what-if the deployer's data role may not exist yet, so an unreadable setting counts as one to set.
  if (result && result.code !== 0 && ctx.az.writes) throw ctx.az.failure(show, result);
  const now = result?.code === 0 ? ((JSON.parse(result.stdout) as StaticWebsite | null) ?? {}) : {};
  const details: string[] = [];
  if (now?.enabled !== true) details.push('static website: off → on');
  if (now?.indexDocument !== 'index.html')
    details.push(`index document: ${now?.indexDocument ?? '(not set)'} → index.html`);
  if (now?.errorDocument_404Path !== 'index.html')
    details.push(`404 document: ${now?.errorDocument_404Path ?? '(not set)'} → index.html`);
  if (details.length === 0) return;
  ctx.plan.record({ kind: 'update', target: `blob service of ${ctx.names.storageAccount}`, details });
  await ctx.az.change(
    ['storage', 'blob', 'service-properties', 'update', ...account, '--static-website'].concat([
      '--index-document',
      'index.html',
      '--404-document',
      'index.html',
    ]),
  );
}
