import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  commandOf,
  emptyWorld,
  FakeAzure,
  flagValue,
  flagValues,
  SECRET,
  Workspace,
  writeBuiltProject,
  type World,
} from './fakeAz.js';
import { expectBounded, only, STATIC_ORIGIN, writes } from './support.js';

let ws: Workspace;
/** The subscription as a first deployment leaves it. */
let deployed: World;

beforeAll(async () => {
  ws = new Workspace();
  writeBuiltProject(ws);
  const fake = new FakeAzure(ws, emptyWorld());
  const first = await fake.run(['--yes']);
  expect(first.code, first.output).toBe(0);
  deployed = first.world;
});
afterAll(() => ws.cleanup());

function fakeWith(edit: (world: World) => void = () => {}): FakeAzure {
  const world = structuredClone(deployed);
  edit(world);
  return new FakeAzure(ws, world);
}

/** Every setting the deployment owns, changed by hand after it ran (a hand-made fix, a portal click, an old script). */
function drift(world: World): void {
  Object.assign(world.storage.ordernotifst, {
    allowSharedKeyAccess: true,
    minimumTlsVersion: 'TLS1_0',
    allowBlobPublicAccess: true,
  });
  const ns = world.serviceBus['ordernotif-sb'];
  Object.assign(ns, { disableLocalAuth: false, minimumTlsVersion: '1.0' });
  ns.topics.orders.defaultMessageTimeToLive = 'P1D';
  Object.assign(ns.topics.orders.subscriptions['order-processor'], { maxDeliveryCount: 10, lockDuration: '00:00:30' });
  Object.assign(world.signalR['ordernotif-signalr'], {
    features: [{ flag: 'ServiceMode', value: 'Default' }],
    disableLocalAuth: false,
    cors: { allowedOrigins: ['*'] },
  });
  const site = world.sites['ordernotif-func'];
  Object.assign(site.functionAppConfig.scaleAndConcurrency, { maximumInstanceCount: 40, instanceMemoryMB: 4096 });
  site.httpsOnly = false;
  site.appSettings.AzureWebJobsStorage = `DefaultEndpointsProtocol=https;AccountName=ordernotifst;AccountKey=${SECRET}`;
  site.appSettings.ServiceBusConnection__credential = 'connectionstring';
  delete site.appSettings.OrdersTableName;
  site.cors = { allowedOrigins: [STATIC_ORIGIN, 'https://stale.example.com'], supportCredentials: true };
  site.auth.globalValidation.unauthenticatedClientAction = 'AllowAnonymous';
  delete world.groups['ordernotif-rg'].tags.orderNotificationsEntraAppId;
  world.adApps[0].web.redirectUris = ['https://old.example.com/.auth/login/aad/callback'];
  world.roleAssignments = world.roleAssignments.filter(
    (a: { roleDefinitionId: string }) => a.roleDefinitionId !== '7e4f1700-ea5a-4f59-8f37-079cfe29dce3',
  );
}

describe('a second run over its own deployment', () => {
  it('changes no setting: it only publishes the code and the web client again', async () => {
    const run = await fakeWith().run(['--yes']);
    expect(run.code, run.output).toBe(0);
    expect(writes(run).map(commandOf)).toEqual([
      'functionapp deployment source config-zip',
      'storage blob upload-batch',
      'storage blob upload',
    ]);
    expect(run.output).toContain('Deployed: every setting already matched');
    expectBounded(run, 0);
  });
});

describe('--what-if against an empty subscription', () => {
  it('lists everything a first run would create, reading only', async () => {
    const fake = new FakeAzure(ws, emptyWorld());
    const run = await fake.run(['--what-if', '--signalr-sku', 'Standard_S1', '--signalr-units', '2']);
    expect(run.code, run.output).toBe(0);
    expect(writes(run)).toEqual([]);
    expect(fake.world).toEqual(emptyWorld());
    for (const line of [
      '+ resource group ordernotif-rg (swedencentral)',
      '+ storage account ordernotifst (Standard_LRS, StorageV2)',
      '+ Service Bus namespace ordernotif-sb (Standard)',
      '+ SignalR Service ordernotif-signalr (Standard_S1 × 2)',
      '+ Function App ordernotif-func (Flex Consumption, Node 22, up to 100 × 2048 MB)',
      '+ role Azure Service Bus Data Receiver for the Function App on subscription orders/order-processor',
      '+ app registration ordernotif-easyauth',
      '- key-based app settings of ordernotif-func',
      '» publish the Functions app package to ordernotif-func',
      'allowSharedKeyAccess: true → false',
    ]) {
      expect(run.output).toContain(line);
    }
  });
});

describe('--what-if against a subscription with drift', () => {
  it('prints what a run would change and runs only reads', async () => {
    const fake = fakeWith(drift);
    const before = fake.world;
    const run = await fake.run(['--what-if']);
    expect(run.code, run.output).toBe(0);
    expect(writes(run)).toEqual([]);
    expect(fake.world).toEqual(before);
    for (const line of [
      'allowSharedKeyAccess: true → false',
      'minimumTlsVersion: TLS1_0 → TLS1_2',
      'allowBlobPublicAccess: true → false',
      'disableLocalAuth: false → true',
      'minimumTlsVersion: 1.0 → 1.2',
      'defaultMessageTimeToLive: P1D → PT1H',
      'maxDeliveryCount: 10 → 5',
      'lockDuration: PT30S → PT1M',
      'serviceMode: Default → Serverless',
      `allowedOrigins: [*] → [${STATIC_ORIGIN}]`,
      'maximumInstanceCount: 40 → 100',
      'instanceMemoryMB: 4096 → 2048',
      'httpsOnly: false → true',
      'ServiceBusConnection__credential: connectionstring → managedidentity',
      'OrdersTableName: (not set) → orders',
      'AzureWebJobsStorage (holds a connection string)',
      'stop allowing https://stale.example.com',
      'supportCredentials: true → false',
      'unauthenticatedClientAction: AllowAnonymous → Return401',
      'redirect URIs: [https://old.example.com/.auth/login/aad/callback]',
      'tag orderNotificationsEntraAppId: (not set) →',
      '+ role SignalR Service Owner for the Function App on ordernotif-signalr',
    ]) {
      expect(run.output).toContain(line);
    }
    expect(run.output).toMatch(/What-if: \d+ changes a run would make \(nothing was changed\)/);
    expect(run.output).toContain('# what-if: not run');
    expect(run.output).not.toContain(SECRET);
    expectBounded(run, 0);
  });

  it('then a run brings every setting back, and the run after that changes nothing', async () => {
    const fake = fakeWith(drift);
    const repair = await fake.run(['--yes']);
    expect(repair.code, repair.output).toBe(0);
    const { world } = repair;
    expect(world.storage.ordernotifst).toMatchObject({
      allowSharedKeyAccess: false,
      minimumTlsVersion: 'TLS1_2',
      allowBlobPublicAccess: false,
    });
    expect(world.serviceBus['ordernotif-sb']).toMatchObject({ disableLocalAuth: true, minimumTlsVersion: '1.2' });
    expect(world.signalR['ordernotif-signalr']).toMatchObject({
      disableLocalAuth: true,
      features: [{ flag: 'ServiceMode', value: 'Serverless' }],
      cors: { allowedOrigins: [STATIC_ORIGIN] },
    });
    expect(world.sites['ordernotif-func'].functionAppConfig.scaleAndConcurrency).toEqual({
      maximumInstanceCount: 100,
      instanceMemoryMB: 2048,
    });
    expect(world.sites['ordernotif-func'].appSettings).toEqual(deployed.sites['ordernotif-func'].appSettings);
    expect(world.sites['ordernotif-func'].auth).toEqual(deployed.sites['ordernotif-func'].auth);
    expect(world.groups['ordernotif-rg'].tags).toEqual(deployed.groups['ordernotif-rg'].tags);
    // The namespace update carries only what differed.
    const update = only(repair.calls, 'servicebus namespace update');
    expect([
      flagValue(update, '--disable-local-auth'),
      flagValue(update, '--minimum-tls-version'),
      update.includes('--capacity'),
    ]).toEqual(['true', '1.2', false]);
    // Keys stay usable until the host has been seen healthy on its identity.
    const commands = repair.calls.map(commandOf);
    const keysOff = repair.calls.findIndex(
      (a) => commandOf(a) === 'storage account update' && flagValue(a, '--allow-shared-key-access') === 'false',
    );
    expect(keysOff).toBeGreaterThan(commands.indexOf('functionapp function list'));
    expect(repair.output).not.toContain(SECRET);

    const settled = await fake.run(['--yes']);
    expect(settled.output).toContain('Deployed: every setting already matched');
  });

  it('refuses drift that Azure fixes at creation, with what to do instead', async () => {
    const run = await fakeWith((w) => {
      w.serviceBus['ordernotif-sb'].topics.orders.requiresDuplicateDetection = false;
    }).run(['--yes']);
    expect(run.code).toBe(1);
    expect(run.output).toContain(
      'error: topic orders: requiresDuplicateDetection is false, declared true, and Azure fixes this at creation.',
    );
    expect(run.output).toContain('hint: Delete and re-create that entity');
    expect(run.calls.map(commandOf)).not.toContain('servicebus topic update');
  });
});

describe('capacity flags on an existing deployment', () => {
  it('scales SignalR and the Function App in place, naming every setting `signalr update` would otherwise reset', async () => {
    const run = await fakeWith().run([
      '--yes',
      '--signalr-sku',
      'Standard_S1',
      '--signalr-units',
      '2',
      '--max-instances',
      '250',
      '--instance-memory',
      '4096',
    ]);
    expect(run.code, run.output).toBe(0);
    const update = only(run.calls, 'signalr update');
    expect([
      flagValue(update, '--sku'),
      flagValue(update, '--unit-count'),
      flagValue(update, '--service-mode'),
      flagValue(update, '--disable-local-auth'),
    ]).toEqual(['Standard_S1', '2', 'Serverless', 'true']);
    expect(flagValues(update, '--allowed-origins')).toEqual([STATIC_ORIGIN]);
    const scale = only(run.calls, 'functionapp scale config set');
    expect([flagValue(scale, '--maximum-instance-count'), flagValue(scale, '--instance-memory')]).toEqual([
      '250',
      '4096',
    ]);
    expect(run.output).toContain('250 × 4096 MB = 1,024,000 MB exceeds the default regional Flex Consumption quota');
    expect(run.world.signalR['ordernotif-signalr'].sku).toEqual({ name: 'Standard_S1', capacity: 2 });
  });

  it('refuses to turn Standard Service Bus into Premium by update, naming the migration', async () => {
    const run = await fakeWith().run(['--yes', '--servicebus-sku', 'Premium', '--servicebus-units', '2']);
    expect(run.code).toBe(1);
    expect(run.output).toContain(
      'error: Service Bus namespace ordernotif-sb is Standard, and --servicebus-sku asks for Premium.',
    );
    expect(run.output).toContain('az servicebus migration start');
    expect(run.calls.map(commandOf)).not.toContain('servicebus namespace update');
  });
});
