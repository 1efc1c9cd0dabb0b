import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CommandNotFoundError } from '../../infra/core/commandRunner.js';
import { runDeploy } from '../../infra/runDeploy.js';
import {
  commandOf,
  emptyWorld,
  FakeAzure,
  flagValue,
  SECRET,
  topologyFile,
  Workspace,
  writeBuiltProject,
  type World,
} from './fakeAz.js';
import { callsOf, expectBounded, only, writes } from './support.js';

let ws: Workspace;
let deployed: World;
beforeAll(async () => {
  const setup = new Workspace();
  writeBuiltProject(setup);
  const first = await new FakeAzure(setup).run(['--yes']);
  expect(first.code, first.output).toBe(0);
  deployed = first.world;
  setup.cleanup();
});
beforeEach(() => {
  ws = new Workspace();
  writeBuiltProject(ws);
});
afterEach(() => ws.cleanup());

function fake(edit: (world: World) => void = () => {}, base: World = emptyWorld()): FakeAzure {
  const world = structuredClone(base);
  edit(world);
  return new FakeAzure(ws, world);
}

describe('Easy Auth must be proven on', () => {
  it('stops the app and the deployment when an anonymous call with forged headers is answered', async () => {
    const run = await fake((w) => (w.behaviour.authNotEnforced = true)).run(['--yes']);
    expect(run.code).toBe(1);
    expect(run.output).toContain(
      'error: GET https://ordernotif-func.azurewebsites.net/api/orders without a session answered 200: App Service Authentication is not enforced, so identity headers could be forged. The Function App has been stopped.',
    );
    expect(flagValue(only(run.calls, 'functionapp stop'), '--name')).toBe('ordernotif-func');
    expect(run.world.sites['ordernotif-func'].state).toBe('Stopped');
    expectBounded(run, 0);
  });

  it('stops when the settings read back differ from what was written', async () => {
    const run = await fake((w) => (w.behaviour.authIgnored = true)).run(['--yes']);
    expect(run.code).toBe(1);
    expect(run.output).toContain(
      'error: App Service Authentication did not take the declared settings: platform.enabled: (not set) → true;',
    );
    expect(run.calls.map(commandOf)).not.toContain('functionapp deployment source config-zip');
    expectBounded(run, 0);
  });

  it('stops, bounded, when the browser preflight from the web origin is refused', async () => {
    const run = await fake((w) => (w.behaviour.preflightBlocked = true)).run(['--yes']);
    expect(run.code).toBe(1);
    expect(run.output).toContain(
      'error: Gave up waiting for a CORS preflight from https://ordernotifst.z1.web.core.windows.net to be allowed after 5 minutes; last seen: HTTP 401, Access-Control-Allow-Origin (none)',
    );
    expectBounded(run, 5 * 60_000);
  });

  it('upgrades classic (v1) authentication settings before writing the v2 ones', async () => {
    const run = await fake((w) => {
      const site = w.sites['ordernotif-func'];
      site.authConfigVersion = 'v1';
      site.auth = { platform: { enabled: false } };
    }, deployed).run(['--yes']);
    expect(run.code, run.output).toBe(0);
    const commands = run.calls.map(commandOf);
    const upgrade = commands.indexOf('webapp auth config-version upgrade');
    expect(upgrade).toBeGreaterThan(commands.indexOf('webapp auth set'));
    expect(commands.lastIndexOf('webapp auth set')).toBeGreaterThan(upgrade);
    expectBounded(run, 0);
  });
});

describe('the app registration is found by its unique key', () => {
  const stranger = {
    appId: 'aaaaaaaa-0000-0000-0000-000000000001',
    id: 'obj-1',
    displayName: 'ordernotif-easyauth',
    identifierUris: [],
    web: { redirectUris: [], implicitGrantSettings: { enableIdTokenIssuance: true } },
  };

  it('leaves an app registration of the same display name alone, on deploy and on teardown', async () => {
    const azure = fake((w) => w.adApps.push(stranger));
    const run = await azure.run(['--yes']);
    expect(run.code, run.output).toBe(0);
    expect(callsOf(run.calls, 'ad app create')).toHaveLength(1);
    expect(callsOf(run.calls, 'ad app update')).toEqual([]);
    const ours = run.world.adApps.find((a: { appId: string }) => a.appId !== stranger.appId).appId as string;
    expect(run.world.groups['ordernotif-rg'].tags.orderNotificationsEntraAppId).toBe(ours);

    const down = await azure.run(['--teardown', '--yes']);
    expect(down.code, down.output).toBe(0);
    expect(callsOf(down.calls, 'ad app delete')).toEqual([['ad', 'app', 'delete', '--id', ours, '--output', 'none']]);
    expect(down.world.adApps).toEqual([stranger]);
    expect(down.world.groups).toEqual({});
  });

  it("on teardown, says so when the group's tag names another registration, and deletes only its own", async () => {
    const run = await fake((w) => {
      w.adApps.push(stranger);
      w.groups['ordernotif-rg'].tags.orderNotificationsEntraAppId = stranger.appId;
    }, deployed).run(['--teardown', '--yes']);
    expect(run.code, run.output).toBe(0);
    expect(run.output).toContain(
      `# the group's orderNotificationsEntraAppId tag names ${stranger.appId}, which is not registered under api://`,
    );
    expect(callsOf(run.calls, 'ad app delete')).toEqual([
      ['ad', 'app', 'delete', '--id', deployed.adApps[0].appId, '--output', 'none'],
    ]);
    expect(run.world.adApps).toEqual([stranger]);
  });
});

describe('--teardown', () => {
  it('asks nothing and deletes nothing when nothing was deployed', async () => {
    const run = await fake().run(['--teardown']);
    expect(run.code).toBe(0);
    expect(run.output).toContain('nothing to delete');
    expect(run.calls.map(commandOf)).toEqual(['account show', 'group show', 'ad app list']);
  });

  it('deletes nothing unless the resource group name is typed back, then waits for the deletion within a bound', async () => {
    const refused = await fake(() => {}, deployed).run(['--teardown'], { answers: ['ordernotif'] });
    expect(refused.code).toBe(1);
    expect(writes(refused)).toEqual([]);
    const azure = fake((w) => (w.behaviour.groupDeletePolls = 2), deployed);
    const confirmed = await azure.run(['--teardown'], { answers: ['ordernotif-rg'] });
    expect(confirmed.code, confirmed.output).toBe(0);
    expect(only(confirmed.calls, 'group delete')).toEqual([
      'group',
      'delete',
      '--name',
      'ordernotif-rg',
      '--yes',
      '--no-wait',
      '--output',
      'none',
    ]);
    expect(callsOf(confirmed.calls, 'group exists')).toHaveLength(3);
    expect(confirmed.output).toContain('? Type the resource group name (ordernotif-rg) to confirm:');
    expect(confirmed.world.sites).toEqual({});
    expectBounded(confirmed, 2 * 30_000);
  });

  it('with --what-if, names what it would delete and deletes nothing', async () => {
    const run = await fake(() => {}, deployed).run(['--teardown', '--what-if']);
    expect(run.code).toBe(0);
    expect(writes(run)).toEqual([]);
    expect(run.output).toContain('To delete: resource group ordernotif-rg and everything in it; app registration');
  });
});

describe('clear errors before anything is created', () => {
  it('stops at `az account show` when not signed in', async () => {
    const run = await fake((w) => (w.account = null)).run(['--yes']);
    expect(run.code).toBe(1);
    expect(run.output).toContain('error: You are not signed in to Azure.');
    expect(run.calls.map(commandOf)).toEqual(['version', 'account show']);
  });

  it('refuses a storage name someone else owns', async () => {
    const run = await fake((w) => w.taken.push('takenst')).run(['--yes', '--prefix', 'taken']);
    expect(run.code).toBe(1);
    expect(run.output).toContain('The storage account name "takenst" is taken by someone else');
    expect(run.calls.map(commandOf)).not.toContain('storage account create');
  });

  it('refuses a region without Flex Consumption', async () => {
    const run = await fake().run(['--yes', '--location', 'brazilsouth']);
    expect(run.code).toBe(1);
    expect(run.output).toContain('error: The region brazilsouth does not offer the Flex Consumption plan.');
    expect(run.output).toContain('swedencentral');
    expect(writes(run)).toEqual([]);
  });

  it('explains the one-free-SignalR-per-subscription limit', async () => {
    const run = await fake((w) => (w.freeSignalRElsewhere = true)).run(['--yes']);
    expect(run.code).toBe(1);
    expect(run.output).toContain('error: This subscription already has its one Free_F1 SignalR Service.');
    expect(run.output).toContain('hint: Pass --signalr-sku Standard_S1');
  });

  it('says so when az is not installed', async () => {
    const lines: string[] = [];
    const code = await runDeploy(['--yes', '--app-dir', ws.dir, '--topology', topologyFile], {
      run: (command) => Promise.reject(new CommandNotFoundError(command)),
      out: (line) => lines.push(line),
    });
    expect(code).toBe(1);
    expect(lines.join('\n')).toContain('error: The Azure CLI (az) is not installed or not on PATH.');
  });

  it.each([
    [['--bogus'], /Unknown option '--bogus'/],
    [['--prefix', 'Bad_Name'], /--prefix "Bad_Name" is not valid/],
    [['--web-origin', 'http://example.com'], /must use https/],
    [['--signalr-sku', 'Huge'], /--signalr-sku "Huge" is not one of Free_F1, Standard_S1, Premium_P1, Premium_P2/],
    [['--signalr-units', '2'], /--signalr-units 2 is not available on Free_F1/],
    [['--signalr-sku', 'Standard_S1', '--signalr-units', '15'], /Standard_S1 takes 1-10, 20, 30 \.\.\. 100 units/],
    [['--signalr-sku', 'Premium_P2', '--signalr-units', '150'], /Premium_P2 takes 100, 200 \.\.\. 1000 units/],
    [['--servicebus-sku', 'Basic'], /--servicebus-sku "Basic" is not one of Standard, Premium/],
    [['--servicebus-units', '2'], /--servicebus-units applies to --servicebus-sku Premium only/],
    [['--servicebus-sku', 'Premium', '--servicebus-units', '3'], /--servicebus-units 3 is not one of 1, 2, 4, 8, 16/],
    [['--max-instances', '0'], /--max-instances 0 is outside 1-1000/],
    [['--max-instances', '1001'], /--max-instances 1001 is outside 1-1000/],
    [['--max-instances', 'ten'], /--max-instances "ten" is not a whole number/],
    [['--instance-memory', '1024'], /--instance-memory 1024 is not one of 512, 2048, 4096/],
    [['--what-if', '--dry-run'], /--what-if and --dry-run exclude each other/],
  ])('rejects %j with a clear error, running nothing', async (argv, message) => {
    const lines: string[] = [];
    const code = await runDeploy(argv, {
      run: () => Promise.reject(new Error('must not run')),
      out: (l) => lines.push(l),
    });
    expect(code).toBe(1);
    expect(lines[0]).toMatch(/^error: /);
    expect(lines.join('\n')).toMatch(message);
  });
});

describe('service principals (CI) and secrets', () => {
  it('grants the deployer role to a signed-in service principal', async () => {
    const run = await fake((w) => {
      w.account.user = { name: 'ci-app-id', type: 'servicePrincipal' };
      w.servicePrincipals.push({ appId: 'ci-app-id', id: 'ci-object-id' });
    }).run(['--yes']);
    expect(run.code, run.output).toBe(0);
    expect(run.calls.map(commandOf)).not.toContain('ad signed-in-user show');
    const deployer = callsOf(run.calls, 'role assignment create').find(
      (a) => flagValue(a, '--assignee-object-id') === 'ci-object-id',
    )!;
    expect(flagValue(deployer, '--assignee-principal-type')).toBe('ServicePrincipal');
    expectBounded(run, 0);
  });

  it('never prints a key, even when az fails with one', async () => {
    const run = await fake((w) => (w.behaviour.publishError = true)).run(['--yes']);
    expect(run.code).toBe(1);
    expect(run.output).toContain('AccountKey=***');
    expect(run.output).not.toContain(SECRET);
    expectBounded(run, 0);
  });
});

describe('--dry-run and --help', () => {
  it('prints the full command sequence without running anything', async () => {
    const lines: string[] = [];
    const code = await runDeploy(['--dry-run', '--app-dir', ws.dir, '--topology', topologyFile], {
      run: () => Promise.reject(new Error('dry run must not run commands')),
      out: (line) => lines.push(line),
    });
    const output = lines.join('\n');
    expect(code, output).toBe(0);
    expect(lines.filter((line) => line.startsWith('$ az ')).length).toBeGreaterThan(35);
    expect(output).toMatch(/\$ az signalr create .*--service-mode Serverless/);
    expect(output).toMatch(
      /\$ az functionapp create .*--flexconsumption-location swedencentral --runtime node --runtime-version 22/,
    );
    expect(output).toMatch(
      /\$ az role assignment create .*--role 4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0 --scope \S+\/topics\/orders\/subscriptions\/order-processor/,
    );
    expect(output).toContain('$ az functionapp deployment source config-zip');
    expect(output).toContain('Dry run complete: nothing was changed.');
  });

  it('prints usage and runs nothing for --help', async () => {
    const lines: string[] = [];
    const code = await runDeploy(['--help'], {
      run: () => Promise.reject(new Error('must not run')),
      out: (l) => lines.push(l),
    });
    expect(code).toBe(0);
    expect(lines.join('\n')).toContain('--what-if');
  });
});
