import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MINUTE, SECOND } from '../../infra/core/clock.js';
import { PUBLISH_TIMEOUT_MS, IDENTITY_UPLOAD_WAIT_MS } from '../../infra/publish/functionCode.js';
import { HOST_HEALTH_WAIT_MS } from '../../infra/publish/health.js';
import { DATA_ROLE_WAIT_MS } from '../../infra/publish/webClient.js';
import {
  commandOf,
  DEPLOYER,
  emptyWorld,
  flagValue,
  FakeAzure,
  Workspace,
  writeBuiltProject,
  type World,
} from './fakeAz.js';
import { callsOf, expectBounded, writes } from './support.js';

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
  writeBuiltProject(ws);
});
afterEach(() => ws.cleanup());

function fake(edit: (world: World) => void): FakeAzure {
  const world = emptyWorld();
  edit(world);
  return new FakeAzure(ws, world);
}

describe('role propagation', () => {
  it('waits, bounded, until the app identity may write its package and the deployer may write blobs', async () => {
    // Every new role assignment fails its first three data-plane uses.
    const run = await fake((w) => (w.behaviour.roleDelay = 3)).run(['--yes']);
    expect(run.code, run.output).toBe(0);
    expect(callsOf(run.calls, 'functionapp deployment source config-zip')).toHaveLength(4);
    expect(callsOf(run.calls, 'storage blob exists')).toHaveLength(4);
    expect(run.output).toContain(
      "# waiting for the app's identity to be allowed to write its package (new role assignments take minutes) (at most 10 minutes): An error occured during deployment. Status Code: 400",
    );
    expect(run.output).toContain(
      '# waiting for your Storage Blob Data Contributor role to reach the blob service (at most 10 minutes): not permitted yet',
    );
    expect(run.output).toContain(
      '# waiting for the Functions host to report Running with no errors (at most 10 minutes): Error: Unable to access the storage account for AzureWebJobsStorage: AuthorizationFailure',
    );
    // The upload went through; the CLI's own check could not read the host key yet (the host keeps it in storage).
    expect(run.output).toContain(
      '# the package is deployed; the CLI saw the host not healthy yet, which is checked below',
    );
    // Storage keys go off only after the host ran on its identity.
    expect(run.world.storage.ordernotifst.allowSharedKeyAccess).toBe(false);
    expectBounded(run, 3 * 30 * SECOND + 3 * 15 * SECOND + 3 * 20 * SECOND);
  });

  it('gives up at its bound with what to run next, and leaves storage keys on for an app that cannot use its identity', async () => {
    const run = await fake((w) => (w.behaviour.roleDelay = 1000)).run(['--yes', '--prefix', 'slowroles']);
    expect(run.code).toBe(1);
    expect(run.output).toContain(
      "error: Gave up waiting for the app's identity to be allowed to write its package (new role assignments take minutes) after 10 minutes; last seen: An error occured during deployment.",
    );
    expect(run.output).toContain('hint: Run the same command again later: npm run deploy --');
    expect(run.output).toContain('--prefix slowroles');
    expect(run.world.storage.slowrolesst.allowSharedKeyAccess).toBeNull();
    expectBounded(run, IDENTITY_UPLOAD_WAIT_MS);
  });
});

describe('publishing while the host is not healthy yet', () => {
  it('takes the CLI saying "unhealthy" as "deployed, check the host", and checks it within a bound', async () => {
    const run = await fake((w) => (w.behaviour.hostUnhealthyPolls = 3)).run(['--yes']);
    expect(run.code, run.output).toBe(0);
    expect(callsOf(run.calls, 'functionapp deployment source config-zip')).toHaveLength(1);
    expect(run.output).toContain(
      '# the package is deployed; the CLI saw the host not healthy yet, which is checked below',
    );
    expect(run.output).toContain('#   still waiting after 15 seconds: Error: The host is starting after a restart');
    expect(run.output).toContain('# host: Running');
    expectBounded(run, 2 * 15 * SECOND);
  });

  it('stops a publish whose health check never returns (older CLIs) and checks the host itself (real process, killed)', async () => {
    const run = await fake((w) => Object.assign(w.behaviour, { healthCheckHangs: true, hostUnhealthyPolls: 2 })).run(
      ['--yes'],
      { spawn: true },
    );
    expect(run.code, run.output).toBe(0);
    expect(run.hangs).toBe(1);
    expect(run.output).toContain(
      '# the publish command did not return within 15 minutes and was stopped (some CLI versions re-check an unhealthy host forever); the deployment and the host are checked below instead',
    );
    // Whether the new package is live comes from the deployment the CLI had started, not from the host alone.
    expect(run.output).toMatch(/# deployment [\w-]+: succeeded/);
    const status = callsOf(run.calls, 'rest').find((a) => a.includes('--resource'))!;
    expect(status).toEqual(expect.arrayContaining(['--resource', 'https://management.core.windows.net/']));
    expect(flagValue(status, '--url')).toMatch(
      /^https:\/\/ordernotif-func\.scm\.azurewebsites\.net\/api\/deployments\/[\w-]+$/,
    );
    expect(run.output).toContain('# host: Running');
    expect(run.waitedMs).toBeGreaterThanOrEqual(PUBLISH_TIMEOUT_MS);
    expectBounded(run, PUBLISH_TIMEOUT_MS + HOST_HEALTH_WAIT_MS);
  }, 60_000);

  it('reports a deployment that failed behind a stopped publish command', async () => {
    const run = await fake((w) =>
      Object.assign(w.behaviour, { healthCheckHangs: true, hostUnhealthyPolls: 1, deploymentFails: true }),
    ).run(['--yes']);
    expect(run.code).toBe(1);
    expect(run.output).toMatch(/error: Deployment [\w-]+ failed: Failed to unpack the package\./);
    expectBounded(run, PUBLISH_TIMEOUT_MS);
  });

  it('does not claim the new package is live when the publish was stopped before it started a deployment', async () => {
    const run = await fake((w) => (w.behaviour.hangOn = 'functionapp deployment source config-zip')).run(['--yes']);
    expect(run.code).toBe(1);
    expect(run.output).toContain(
      'error: The publish command was stopped before it reported a deployment, so whether the new package is live is unknown.',
    );
    expect(run.calls.map(commandOf)).not.toContain('functionapp function list');
    expectBounded(run, PUBLISH_TIMEOUT_MS);
  });

  it("fails at the host bound with the host's own words and how to see them", async () => {
    const run = await fake((w) => (w.behaviour.hostUnhealthyPolls = 1000)).run(['--yes']);
    expect(run.code).toBe(1);
    expect(run.output).toContain(
      'error: Gave up waiting for the Functions host to report Running with no errors after 10 minutes; last seen: Error: The host is starting after a restart',
    );
    expect(run.output).toMatch(
      /hint: The host status says why: az rest --method get --url 'https:\/\/management\.azure\.com\/subscriptions\/.*\/hostruntime\/admin\/host\/status\?api-version=2022-03-01'/,
    );
    expectBounded(run, HOST_HEALTH_WAIT_MS);
  });

  it('stops any command at its bound, e.g. a create that Azure never finishes, with the command to resume', async () => {
    const run = await fake((w) => (w.behaviour.hangOn = 'servicebus namespace create')).run(['--yes']);
    expect(run.code).toBe(1);
    expect(run.hangs).toBe(1);
    expect(run.output).toContain(
      'error: `az servicebus namespace create` did not finish within 20 minutes and was stopped.',
    );
    expect(run.output).toMatch(/hint: npm run deploy -- .*--yes$/m);
    expectBounded(run, 20 * MINUTE);
  });

  it('bounds the data-role wait for the web client upload too', async () => {
    const result = await fake((w) => (w.behaviour.roleDelayFor = { [DEPLOYER]: 1000 })).run(['--yes']);
    expect(result.code).toBe(1);
    expect(result.output).toContain(
      'error: Gave up waiting for your Storage Blob Data Contributor role to reach the blob service after 10 minutes; last seen: not permitted yet',
    );
    expectBounded(result, DATA_ROLE_WAIT_MS);
  });
});

describe('the Azure CLI itself', () => {
  it('stops before anything else on a CLI older than Flex Consumption, naming the minimum and how to upgrade', async () => {
    const run = await fake((w) => (w.cli.version = '2.55.0')).run(['--yes']);
    expect(run.code).toBe(1);
    expect(run.calls.map(commandOf)).toEqual(['version']);
    expect(run.output).toContain('error: Azure CLI 2.55.0 is older than 2.60.0, the first with Flex Consumption.');
    expect(run.output).toContain('hint: Upgrade with `az upgrade`');
  });

  it('installs the missing authV2 extension with --yes', async () => {
    const run = await fake((w) => (w.cli.extensions = {})).run(['--yes']);
    expect(run.code, run.output).toBe(0);
    const add = callsOf(run.calls, 'extension add');
    expect(add).toEqual([['extension', 'add', '--name', 'authV2', '--yes', '--output', 'none']]);
    expect(run.world.cli.extensions.authV2).toBeDefined();
    expectBounded(run, 0);
  });

  it('on a terminal, shows what would change (installing authV2 among it) and asks once before changing anything', async () => {
    const declined = await fake((w) => (w.cli.extensions = {})).run([], { answers: ['n'] });
    expect(declined.code).toBe(1);
    expect(writes(declined)).toEqual([]);
    expect(declined.output).toContain('+ Azure CLI extension authV2 (on this machine)');
    expect(declined.output).toMatch(/\? Apply these \d+ changes\? \[y\/N\]/);
    expect(declined.output).toContain('Not confirmed: nothing was changed.');

    const agreed = await fake((w) => (w.cli.extensions = {})).run([], { answers: ['y'] });
    expect(agreed.code, agreed.output).toBe(0);
    expect(agreed.output.match(/^\? /gm)).toHaveLength(1);
    expect(callsOf(agreed.calls, 'extension add')).toHaveLength(1);
  });

  it('in what-if, reports the missing extension and installs nothing', async () => {
    const run = await fake((w) => (w.cli.extensions = {})).run(['--what-if']);
    expect(run.code, run.output).toBe(0);
    expect(writes(run)).toEqual([]);
    expect(run.output).toContain('(unknown until the authV2 extension is installed)');
  });
});
