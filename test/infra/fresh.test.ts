import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { entraAppIdentifierUri } from '../../infra/core/context.js';
import {
  commandOf,
  FakeAzure,
  flagValue,
  flagValues,
  SECRET,
  SUBSCRIPTION,
  TENANT,
  topologyFile,
  Workspace,
  writeBuiltProject,
  type DeployRun,
} from './fakeAz.js';
import { callsOf, expectBounded, LOCAL_ORIGIN, only, STATIC_ORIGIN } from './support.js';

const RECEIVER = '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0';
const SENDER = '69a216fc-b8fb-44d8-bc22-1f3c2cd27a39';
const SIGNALR_OWNER = '7e4f1700-ea5a-4f59-8f37-079cfe29dce3';
const BLOB_OWNER = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b';
const BLOB_CONTRIBUTOR = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe';
const TABLE_CONTRIBUTOR = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3';
const GROUP = `/subscriptions/${SUBSCRIPTION}/resourceGroups/ordernotif-rg`;
const STORAGE = `${GROUP}/providers/Microsoft.Storage/storageAccounts/ordernotifst`;
const NAMESPACE = `${GROUP}/providers/Microsoft.ServiceBus/namespaces/ordernotif-sb`;

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

describe('a first deployment into an empty subscription (fake az as a real process on PATH)', () => {
  // One deployment, inspected from several angles.
  let run: DeployRun;
  let ws: Workspace;
  beforeAll(async () => {
    ws = new Workspace();
    writeBuiltProject(ws);
    run = await new FakeAzure(ws).run(['--yes', '--location', 'westeurope', '--web-origin', LOCAL_ORIGIN], {
      spawn: true,
    });
  }, 120_000);
  afterAll(() => ws.cleanup());

  it('checks the CLI first, then creates everything in dependency order and succeeds', () => {
    expect(run.code, run.output).toBe(0);
    const order = [
      'version',
      'account show',
      'extension show',
      'functionapp list-flexconsumption-locations',
      'ad signed-in-user show',
      'group create',
      'storage account create',
      'rest',
      'servicebus namespace create',
      'servicebus topic create',
      'servicebus topic subscription create',
      'signalr create',
      'signalr update',
      'functionapp create',
      'functionapp update',
      'role assignment create',
      'functionapp config appsettings set',
      'functionapp config appsettings delete',
      'ad app create',
      'ad sp create',
      'tag update',
      'webapp auth set',
      'functionapp cors add',
      'functionapp deployment source config-zip',
      'functionapp function list',
      'storage account update',
      'storage blob exists',
      'storage blob service-properties update',
      'storage blob upload-batch',
      'storage blob upload',
    ];
    const firstIndex = order.map((command) => run.calls.findIndex((args) => commandOf(args) === command));
    expect(
      firstIndex.filter((i) => i === -1),
      `missing: ${order.filter((_, i) => firstIndex[i] === -1)}`,
    ).toEqual([]);
    expect(firstIndex).toEqual([...firstIndex].sort((a, b) => a - b));
    expect(commandOf(run.calls[0]!)).toBe('version');
    expect(run.output).toContain('https://ordernotif-func.azurewebsites.net/api');
    expect(run.output).toContain(`${STATIC_ORIGIN}/`);
  });

  it('bounds every command and waits for nothing when nothing is slow', () => {
    expectBounded(run, 0);
    expect(run.hangs).toBe(0);
  });

  it('creates SignalR Serverless without keys and the Function App on Flex Consumption with the documented defaults', () => {
    const { calls } = run;
    const signalr = only(calls, 'signalr create');
    expect(flagValue(signalr, '--service-mode')).toBe('Serverless');
    expect(flagValues(signalr, '--allowed-origins')).toEqual([STATIC_ORIGIN, LOCAL_ORIGIN]);
    expect(signalr).not.toContain('--disable-local-auth');
    expect(flagValue(only(calls, 'signalr update'), '--disable-local-auth')).toBe('true');
    expect(run.world.signalR['ordernotif-signalr'].disableLocalAuth).toBe(true);
    const app = only(calls, 'functionapp create');
    expect(flagValue(app, '--flexconsumption-location')).toBe('westeurope');
    expect(flagValue(app, '--runtime-version')).toBe('22');
    expect(flagValue(app, '--maximum-instance-count')).toBe('100');
    expect(flagValue(app, '--instance-memory')).toBe('2048');
    expect(flagValue(app, '--deployment-storage-auth-type')).toBe('SystemAssignedIdentity');
    expect(run.world.sites['ordernotif-func'].httpsOnly).toBe(true);
    const ns = only(calls, 'servicebus namespace create');
    expect([
      flagValue(ns, '--sku'),
      flagValue(ns, '--disable-local-auth'),
      flagValue(ns, '--minimum-tls-version'),
    ]).toEqual(['Standard', 'true', '1.2']);
  });

  it('ends with storage keys off, after the host ran on its identity, and uploads the web client signed in', () => {
    const { calls, world } = run;
    expect(world.storage.ordernotifst.allowSharedKeyAccess).toBe(false);
    const lock = calls.findIndex((a) => commandOf(a) === 'storage account update');
    const healthy = calls.findIndex((a) => commandOf(a) === 'rest' && flagValue(a, '--url')!.includes('/hostruntime/'));
    expect(healthy).toBeGreaterThan(-1);
    expect(lock).toBeGreaterThan(healthy);
    for (const command of [
      'storage blob exists',
      'storage blob service-properties update',
      'storage blob upload-batch',
      'storage blob upload',
    ]) {
      for (const call of callsOf(calls, command)) expect(flagValue(call, '--auth-mode'), command).toBe('login');
    }
    expect(calls.some((a) => a.includes('key'))).toBe(false);
  });

  it('creates the topic and subscription with every property of the topology file', () => {
    const topicCall = only(run.calls, 'servicebus topic create');
    expect(flagValue(topicCall, '--name')).toBe(topic.Name);
    expect(flagValue(topicCall, '--enable-duplicate-detection')).toBe(
      String(topic.Properties.RequiresDuplicateDetection),
    );
    expect(flagValue(topicCall, '--duplicate-detection-history-time-window')).toBe(
      topic.Properties.DuplicateDetectionHistoryTimeWindow,
    );
    expect(flagValue(topicCall, '--default-message-time-to-live')).toBe(topic.Properties.DefaultMessageTimeToLive);
    const sub = only(run.calls, 'servicebus topic subscription create');
    const p = subscription.Properties;
    expect(flagValue(sub, '--max-delivery-count')).toBe(String(p.MaxDeliveryCount));
    expect(flagValue(sub, '--lock-duration')).toBe(p.LockDuration);
    expect(flagValue(sub, '--default-message-time-to-live')).toBe(p.DefaultMessageTimeToLive);
    expect(flagValue(sub, '--enable-dead-lettering-on-message-expiration')).toBe(
      String(p.DeadLetteringOnMessageExpiration),
    );
    expect(flagValue(sub, '--enable-session')).toBe('false');
  });

  it('grants exactly the roles each part needs, at the narrowest scope that works', () => {
    const roles = callsOf(run.calls, 'role assignment create').map((args) => ({
      role: flagValue(args, '--role'),
      scope: flagValue(args, '--scope'),
      type: flagValue(args, '--assignee-principal-type'),
      principal: flagValue(args, '--assignee-object-id'),
    }));
    const app = run.world.sites['ordernotif-func'].identity.principalId as string;
    expect(roles).toEqual([
      { role: BLOB_OWNER, scope: STORAGE, type: 'ServicePrincipal', principal: app },
      { role: TABLE_CONTRIBUTOR, scope: STORAGE, type: 'ServicePrincipal', principal: app },
      { role: SENDER, scope: `${NAMESPACE}/topics/${topic.Name}`, type: 'ServicePrincipal', principal: app },
      {
        role: RECEIVER,
        scope: `${NAMESPACE}/topics/${topic.Name}/subscriptions/${subscription.Name}`,
        type: 'ServicePrincipal',
        principal: app,
      },
      {
        role: SIGNALR_OWNER,
        scope: `${GROUP}/providers/Microsoft.SignalRService/signalR/ordernotif-signalr`,
        type: 'ServicePrincipal',
        principal: app,
      },
      { role: BLOB_CONTRIBUTOR, scope: STORAGE, type: 'User', principal: '00000000-0000-0000-0000-0000000000cc' },
    ]);
  });

  it('leaves identity-based settings only: no connection string in any app setting', () => {
    const settings = run.world.sites['ordernotif-func'].appSettings as Record<string, string>;
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
  });

  it("registers the sign-in app under this deployment's identifier URI and records its id on the resource group", () => {
    const registration = only(run.calls, 'ad app create');
    const uri = entraAppIdentifierUri({ subscriptionId: SUBSCRIPTION, tenantId: TENANT }, 'ordernotif-rg');
    expect(uri).toMatch(new RegExp(`^api://${TENANT}/order-notifications-[0-9a-f]{16}$`));
    expect(flagValue(registration, '--identifier-uris')).toBe(uri);
    expect(flagValue(registration, '--web-redirect-uris')).toBe(
      'https://ordernotif-func.azurewebsites.net/.auth/login/aad/callback',
    );
    const appId = run.world.adApps[0].appId as string;
    expect(run.world.groups['ordernotif-rg'].tags).toEqual({
      app: 'order-notifications',
      orderNotificationsEntraAppId: appId,
    });
  });

  it('turns on Easy Auth with 401 for anonymous calls, reads it back and proves it with a forged-header call and a preflight', () => {
    const auth = run.world.sites['ordernotif-func'].auth;
    expect(auth.globalValidation).toEqual({ requireAuthentication: true, unauthenticatedClientAction: 'Return401' });
    expect(auth.login).toEqual({
      tokenStore: { enabled: true },
      allowedExternalRedirectUrls: [STATIC_ORIGIN, LOCAL_ORIGIN],
    });
    // Read back after writing: the last `auth show` comes after the `auth set`.
    const commands = run.calls.map(commandOf);
    expect(commands.lastIndexOf('webapp auth show')).toBeGreaterThan(commands.indexOf('webapp auth set'));
    const [get, options] = run.requests;
    expect(get).toMatchObject({ method: 'GET', url: 'https://ordernotif-func.azurewebsites.net/api/orders' });
    expect(get!.headers['x-ms-client-principal-id']).toBe('forged-user');
    expect(options).toMatchObject({
      method: 'OPTIONS',
      headers: { Origin: STATIC_ORIGIN, 'Access-Control-Request-Method': 'POST' },
    });
    expect(run.output).toContain('with forged identity headers: 401 as required');
    expect(run.world.sites['ordernotif-func'].cors).toEqual({
      allowedOrigins: [STATIC_ORIGIN, LOCAL_ORIGIN],
      supportCredentials: false,
    });
  });

  it('publishes a zip of the app with production dependencies only, and the web client with its config', () => {
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
    const config = JSON.parse(readFileSync(path.join(run.artifacts, 'config.json'), 'utf8')) as unknown;
    expect(config).toEqual({ apiBaseUrl: 'https://ordernotif-func.azurewebsites.net', authProvider: 'aad' });
    expect(flagValue(only(run.calls, 'storage blob upload-batch'), '--source')).toBe(path.join(ws.dir, 'web', 'dist'));
  });

  it('never prints the key that `functionapp create` reports', () => {
    expect(run.output).not.toContain(SECRET);
  });
});
