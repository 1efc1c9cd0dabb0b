import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runDeploy } from '../../infra/runDeploy.js';
import {
  type DeployRun,
  commandOf,
  deployWithFakeAz,
  flagValue,
  flagValues,
  SECRET,
  topologyFile,
  Workspace,
  writeBuiltProject,
} from './fakeAz.js';

const RECEIVER = '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0';
const SENDER = '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39';
const SIGNALR_OWNER = '7e4f1700-ea5a-4f59-8f37-079cfe29dce3';
const STATIC_ORIGIN = 'https://ordernotifst.z1.web.core.windows.net';
const LOCAL_ORIGIN = 'http://localhost:5173';

type TopologyFile = {
  UserConfig: {
    Namespaces: {
      Topics: {
        Name: string;
        Properties: Record<string, string | boolean>;
        Subscriptions: { Name: string; Properties: Record<string, string | number | boolean> }[];
      }[];
    }[];
  };
};
const topology = JSON.parse(readFileSync(topologyFile, 'utf8')) as TopologyFile;
const topic = topology.UserConfig.Namespaces[0]!.Topics[0]!;
const subscription = topic.Subscriptions[0]!;

let ws: Workspace;
beforeEach(() => {
  ws = new Workspace();
  writeBuiltProject(ws);
});
afterEach(() => ws.cleanup());

function callsOf(calls: string[][], command: string): string[][] {
  return calls.filter((args) => commandOf(args) === command);
}

function only(calls: string[][], command: string): string[] {
  const found = callsOf(calls, command);
  expect(found, command).toHaveLength(1);
  return found[0]!;
}

describe('deploy into an empty subscription (fake az)', () => {
  // One deployment, inspected from several angles: each run spawns ~35 `az` processes.
  let fresh: DeployRun;
  let project: Workspace;
  beforeAll(async () => {
    project = new Workspace();
    writeBuiltProject(project);
    fresh = await deployWithFakeAz(project, ['--location', 'westeurope', '--web-origin', LOCAL_ORIGIN], 'fresh');
  });
  afterAll(() => project.cleanup());

  it('runs the commands in dependency order and succeeds', () => {
    const run = fresh;
    expect(run.code, run.output).toBe(0);
    const order = [
      'account show',
      'extension show',
      'functionapp list-flexconsumption-locations',
      'group create',
      'storage account create',
      'rest',
      'servicebus namespace create',
      'servicebus topic create',
      'servicebus topic subscription create',
      'signalr create',
      'functionapp create',
      'functionapp identity assign',
      'role assignment create',
      'functionapp config appsettings set',
      'functionapp config appsettings delete',
      'ad app create',
      'webapp auth set',
      'functionapp cors add',
      'functionapp deployment source config-zip',
      'storage blob service-properties update',
      'storage blob upload-batch',
      'storage blob upload',
      'functionapp function list',
    ];
    const firstIndex = order.map((command) => run.calls.findIndex((args) => commandOf(args) === command));
    expect(
      firstIndex.every((index) => index >= 0),
      `missing: ${order.filter((_, i) => firstIndex[i] === -1)}`,
    ).toBe(true);
    expect(firstIndex).toEqual([...firstIndex].sort((a, b) => a - b));
    expect(run.probed).toEqual(['https://ordernotif-func.azurewebsites.net/api/orders']);
    expect(run.output).toContain('https://ordernotif-func.azurewebsites.net/api');
    expect(run.output).toContain(`${STATIC_ORIGIN}/`);
  });

  it('creates SignalR in Serverless mode and the Function App on Flex Consumption with Node 22', () => {
    const { calls } = fresh;
    const signalr = only(calls, 'signalr create');
    expect(flagValue(signalr, '--service-mode')).toBe('Serverless');
    expect(flagValues(signalr, '--allowed-origins')).toEqual([STATIC_ORIGIN, LOCAL_ORIGIN]);
    const app = only(calls, 'functionapp create');
    expect(flagValue(app, '--flexconsumption-location')).toBe('westeurope');
    expect(flagValue(app, '--runtime')).toBe('node');
    expect(flagValue(app, '--runtime-version')).toBe('22');
    expect(app).not.toContain('--consumption-plan-location');
    const storage = only(calls, 'storage account create');
    expect(flagValue(storage, '--allow-blob-public-access')).toBe('false');
    expect(flagValue(only(calls, 'servicebus namespace create'), '--sku')).toBe('Standard');
  });

  it('creates the topic and subscription with every property of the topology file', () => {
    const { calls } = fresh;
    const topicCall = only(calls, 'servicebus topic create');
    expect(flagValue(topicCall, '--name')).toBe(topic.Name);
    expect(flagValue(topicCall, '--enable-duplicate-detection')).toBe(
      String(topic.Properties.RequiresDuplicateDetection),
    );
    expect(flagValue(topicCall, '--duplicate-detection-history-time-window')).toBe(
      topic.Properties.DuplicateDetectionHistoryTimeWindow,
    );
    expect(flagValue(topicCall, '--default-message-time-to-live')).toBe(topic.Properties.DefaultMessageTimeToLive);

    const sub = only(calls, 'servicebus topic subscription create');
    const p = subscription.Properties;
    expect(flagValue(sub, '--topic-name')).toBe(topic.Name);
    expect(flagValue(sub, '--name')).toBe(subscription.Name);
    expect(flagValue(sub, '--max-delivery-count')).toBe(String(p.MaxDeliveryCount));
    expect(flagValue(sub, '--lock-duration')).toBe(p.LockDuration);
    expect(flagValue(sub, '--default-message-time-to-live')).toBe(p.DefaultMessageTimeToLive);
    expect(flagValue(sub, '--enable-dead-lettering-on-message-expiration')).toBe(
      String(p.DeadLetteringOnMessageExpiration),
    );
    expect(flagValue(sub, '--enable-session')).toBe(String(p.RequiresSession));
  });

  it('grants least-privilege roles at the right scopes, receiver on the subscription', () => {
    const { calls } = fresh;
    const roles = callsOf(calls, 'role assignment create').map((args) => ({
      role: flagValue(args, '--role'),
      scope: flagValue(args, '--scope') ?? '',
      principal: flagValue(args, '--assignee-object-id'),
    }));
    expect(new Set(roles.map((r) => r.principal))).toEqual(new Set(['11111111-2222-3333-4444-555555555555']));
    const namespace =
      '/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/ordernotif-rg/providers/Microsoft.ServiceBus/namespaces/ordernotif-sb';
    expect(roles.filter((r) => r.role === RECEIVER).map((r) => r.scope)).toEqual([
      `${namespace}/topics/${topic.Name}/subscriptions/${subscription.Name}`,
    ]);
    expect(roles.filter((r) => r.role === SENDER).map((r) => r.scope)).toEqual([`${namespace}/topics/${topic.Name}`]);
    expect(roles.find((r) => r.role === SIGNALR_OWNER)?.scope).toMatch(
      /\/providers\/Microsoft\.SignalRService\/signalR\/ordernotif-signalr$/,
    );
    expect(roles.map((r) => r.scope)).toContain(
      '/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/ordernotif-rg/providers/Microsoft.Storage/storageAccounts/ordernotifst/tableServices/default/tables/orders',
    );
  });

  it('configures identity-based settings only and removes the key-based host storage setting', () => {
    const { calls } = fresh;
    const settings = Object.fromEntries(
      flagValues(only(calls, 'functionapp config appsettings set'), '--settings').map((pair) => pair.split(/=(.*)/s)),
    );
    expect(settings).toEqual({
      AzureWebJobsStorage__accountName: 'ordernotifst',
      AzureWebJobsStorage__credential: 'managedidentity',
      ServiceBusConnection__fullyQualifiedNamespace: 'ordernotif-sb.servicebus.windows.net',
      ServiceBusConnection__credential: 'managedidentity',
      AzureSignalRConnectionString__serviceUri: 'https://ordernotif-signalr.service.signalr.net',
      AzureSignalRConnectionString__credential: 'managedidentity',
      OrdersStorage__tableServiceUri: 'https://ordernotifst.table.core.windows.net',
      OrdersStorage__credential: 'managedidentity',
      OrdersTableName: 'orders',
    });
    expect(flagValue(only(calls, 'functionapp config appsettings delete'), '--setting-names')).toBe(
      'AzureWebJobsStorage',
    );
  });

  it('turns on Easy Auth with 401 for anonymous calls, a token store, and the web origin for CORS and redirects', () => {
    const { calls } = fresh;
    const body = JSON.parse(flagValue(only(calls, 'webapp auth set'), '--body') ?? '{}') as {
      globalValidation: { requireAuthentication: boolean; unauthenticatedClientAction: string };
      identityProviders: { azureActiveDirectory: { registration: { clientId: string; openIdIssuer: string } } };
      login: { tokenStore: { enabled: boolean }; allowedExternalRedirectUrls: string[] };
    };
    expect(body.globalValidation).toEqual({ requireAuthentication: true, unauthenticatedClientAction: 'Return401' });
    expect(body.login).toEqual({
      tokenStore: { enabled: true },
      allowedExternalRedirectUrls: [STATIC_ORIGIN, LOCAL_ORIGIN],
    });
    expect(body.identityProviders.azureActiveDirectory.registration).toEqual({
      clientId: '99999999-0000-0000-0000-000000000001',
      openIdIssuer: 'https://login.microsoftonline.com/00000000-0000-0000-0000-0000000000bb/v2.0',
    });
    const registration = only(calls, 'ad app create');
    expect(flagValue(registration, '--web-redirect-uris')).toBe(
      'https://ordernotif-func.azurewebsites.net/.auth/login/aad/callback',
    );
    expect(flagValues(only(calls, 'functionapp cors add'), '--allowed-origins')).toEqual([STATIC_ORIGIN, LOCAL_ORIGIN]);
  });

  it('publishes a zip of the app with production dependencies only, and the web client with its config', () => {
    const run = fresh;
    const zip = path.join(run.artifacts, 'app.zip');
    execFileSync('unzip', ['-tq', zip]);
    const listed = execFileSync('unzip', ['-Z1', zip], { encoding: 'utf8' }).trim().split('\n').sort();
    expect(listed).toEqual([
      'dist/src/functions/orders.js',
      'host.json',
      'node_modules/prod-dep/index.js',
      'node_modules/prod-dep/node_modules/nested-dep/index.js',
      'node_modules/shared-dep/index.js',
      'package.json',
    ]);
    expect(execFileSync('unzip', ['-p', zip, 'dist/src/functions/orders.js'], { encoding: 'utf8' })).toBe(
      'export {};\n'.repeat(50),
    );
    const config = JSON.parse(readFileSync(path.join(run.artifacts, 'config.json'), 'utf8')) as unknown;
    expect(config).toEqual({ apiBaseUrl: 'https://ordernotif-func.azurewebsites.net', authProvider: 'aad' });
    const batch = only(run.calls, 'storage blob upload-batch');
    expect(flagValue(batch, '--destination')).toBe('$web');
    expect(flagValue(batch, '--source')).toBe(path.join(project.dir, 'web', 'dist'));
  });

  it('never prints a key, even when az answers or fails with one', async () => {
    const ok = fresh;
    const failed = await deployWithFakeAz(ws, [], 'publish-fails');
    expect(failed.code).toBe(1);
    expect(failed.output).toContain('AccountKey=***');
    for (const run of [ok, failed]) expect(run.output).not.toContain(SECRET);
  });
});

describe('a second run (everything already exists)', () => {
  it('creates nothing again, tolerates existing role assignments and re-applies properties in full', async () => {
    const run = await deployWithFakeAz(ws, [], 'existing');
    expect(run.code, run.output).toBe(0);
    const commands = run.calls.map(commandOf);
    for (const create of [
      'storage account create',
      'servicebus namespace create',
      'signalr create',
      'functionapp create',
      'ad app create',
      'ad sp create',
      'functionapp cors add',
    ]) {
      expect(commands, create).not.toContain(create);
    }
    expect(callsOf(run.calls, 'role assignment create')).toHaveLength(5);
    expect(run.output).toContain('(already in place)');
    expect(flagValue(only(run.calls, 'signalr update'), '--service-mode')).toBe('Serverless');
    expect(flagValues(only(run.calls, 'signalr cors update'), '--allowed-origins')).toEqual([STATIC_ORIGIN]);
    expect(flagValue(only(run.calls, 'servicebus topic subscription create'), '--max-delivery-count')).toBe(
      String(subscription.Properties.MaxDeliveryCount),
    );
    expect(commands).toContain('ad app update');
  });
});

describe('clear errors', () => {
  it('stops at `az account show` when not signed in', async () => {
    const run = await deployWithFakeAz(ws, [], 'not-signed-in');
    expect(run.code).toBe(1);
    expect(run.output).toContain('not signed in');
    expect(run.output).toContain('az login');
    expect(run.calls.map(commandOf)).toEqual(['account show']);
  });

  it('names the missing authV2 extension and how to add it', async () => {
    const run = await deployWithFakeAz(ws, [], 'no-extension');
    expect(run.code).toBe(1);
    expect(run.output).toContain('az extension add --name authV2');
    expect(run.calls.map(commandOf)).not.toContain('group create');
  });

  it('refuses a storage name someone else owns', async () => {
    const run = await deployWithFakeAz(ws, ['--prefix', 'taken'], 'name-taken');
    expect(run.code).toBe(1);
    expect(run.output).toContain('"takenst" is taken');
    expect(run.output).toContain('--prefix');
    expect(run.calls.map(commandOf)).not.toContain('storage account create');
  });

  it('refuses a region without Flex Consumption before creating anything', async () => {
    const run = await deployWithFakeAz(ws, ['--location', 'brazilsouth'], 'fresh');
    expect(run.code).toBe(1);
    expect(run.output).toContain('brazilsouth does not offer the Flex Consumption plan');
    expect(run.output).toContain('swedencentral');
    expect(run.calls.map(commandOf)).not.toContain('group create');
  });

  it('says so when az is not installed', async () => {
    const lines: string[] = [];
    const code = await runDeploy(['--app-dir', ws.dir, '--topology', topologyFile], {
      run: (command) =>
        import('../../infra/commandRunner.js').then((m) => Promise.reject(new m.CommandNotFoundError(command))),
      out: (line) => lines.push(line),
    });
    expect(code).toBe(1);
    expect(lines.join('\n')).toContain('Azure CLI (az) is not installed');
  });

  it('rejects unknown options and bad values', async () => {
    for (const argv of [
      ['--bogus'],
      ['--prefix', 'Bad_Name'],
      ['--web-origin', 'http://example.com'],
      ['--signalr-sku', 'Huge'],
    ]) {
      const lines: string[] = [];
      const code = await runDeploy(argv, {
        run: () => Promise.reject(new Error('must not run')),
        out: (l) => lines.push(l),
      });
      expect(code, argv.join(' ')).toBe(1);
      expect(lines[0], argv.join(' ')).toMatch(/^error: /);
    }
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
    const commands = lines.filter((line) => line.startsWith('$ az '));
    expect(commands.length).toBeGreaterThan(25);
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
    expect(lines.join('\n')).toContain('--dry-run');
  });
});

describe('--teardown', () => {
  it('deletes the resource group and app registration with --yes', async () => {
    const run = await deployWithFakeAz(ws, ['--teardown', '--yes'], 'existing');
    expect(run.code, run.output).toBe(0);
    expect(flagValue(only(run.calls, 'group delete'), '--name')).toBe('ordernotif-rg');
    expect(flagValue(only(run.calls, 'ad app delete'), '--id')).toBe('99999999-0000-0000-0000-000000000001');
  });

  it('asks nothing and deletes nothing when nothing was deployed', async () => {
    const run = await deployWithFakeAz(ws, ['--teardown'], 'fresh');
    expect(run.code).toBe(0);
    expect(run.output).toContain('nothing to delete');
    expect(run.calls.map(commandOf)).toEqual(['account show', 'group exists', 'ad app list']);
  });

  it('deletes nothing unless the resource group name is typed back', async () => {
    const refused = await deployWithFakeAz(ws, ['--teardown'], 'existing', ['ordernotif\n']);
    expect(refused.code).toBe(1);
    expect(refused.calls.map(commandOf)).not.toContain('group delete');
    const confirmed = await deployWithFakeAz(ws, ['--teardown'], 'existing', ['ordernotif-rg\n']);
    expect(confirmed.code).toBe(0);
    expect(confirmed.calls.map(commandOf)).toContain('group delete');
  });
});
