import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseIsoDuration } from '../../local/servicebus/duration.js';
import { loadTopology, parseServiceBusConnectionString, parseTopology } from '../../local/servicebus/index.js';
import { testConfig } from './helpers.js';

function withQueue(properties: Record<string, unknown>) {
  return { UserConfig: { Namespaces: [{ Name: 'ns', Queues: [{ Name: 'q', Properties: properties }], Topics: [] }] } };
}

describe('topology (official emulator Config.json shape)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'servicebus-topology-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the project topology file', () => {
    const topology = loadTopology(join(import.meta.dirname, '../../servicebus.config.json'));
    expect(topology.topics[0]).toMatchObject({
      name: 'orders',
      requiresDuplicateDetection: true,
      duplicateDetectionHistoryTimeWindowMs: 300_000,
      subscriptions: [
        {
          name: 'order-processor',
          maxDeliveryCount: 5,
          lockDurationMs: 60_000,
          deadLetteringOnMessageExpiration: true,
        },
      ],
    });
  });

  it("applies the emulator's defaults", () => {
    const { queues } = parseTopology(withQueue({}));
    expect(queues[0]).toEqual({
      name: 'q',
      lockDurationMs: 60_000,
      maxDeliveryCount: 3,
      defaultMessageTimeToLiveMs: 3_600_000,
      deadLetteringOnMessageExpiration: false,
      requiresDuplicateDetection: false,
      duplicateDetectionHistoryTimeWindowMs: 20_000,
    });
  });

  it('parses correlation filter rules', () => {
    const sub = parseTopology(testConfig).topics[0]!.subscriptions[1]!;
    expect(sub.rules).toEqual([{ name: 'vipOnly', filter: { properties: { tier: 'vip' } } }]);
  });

  it.each([
    [{ LockDuration: 'one minute' }, 'Queues[0].Properties.LockDuration: "one minute" is not an ISO-8601 duration'],
    [{ LockDuration: 'PT10M' }, 'Queues[0].Properties.LockDuration: "PT10M" is outside the allowed range'],
    [{ MaxDeliveryCount: 0 }, 'Queues[0].Properties.MaxDeliveryCount'],
    [{ MaxDeliveryCount: '5' }, 'Queues[0].Properties.MaxDeliveryCount'],
    [{ RequiresSession: true }, 'RequiresSession (message sessions) is not supported by the local broker'],
    [{ ForwardTo: 'other' }, 'ForwardTo is not supported'],
    [{ LockDurtion: 'PT1M' }, 'Unrecognized key: "LockDurtion"'],
  ])('refuses %j naming the field', (properties, message) => {
    expect(() => parseTopology(withQueue(properties), 'cfg.json')).toThrow(message);
    expect(() => parseTopology(withQueue(properties), 'cfg.json')).toThrow(/^cfg\.json is invalid:/);
  });

  it('refuses structural mistakes', () => {
    expect(() => parseTopology({})).toThrow('UserConfig: Invalid input');
    expect(() => parseTopology({ UserConfig: { Namespaces: [] } })).toThrow('exactly one namespace');
    const noSubs = {
      UserConfig: { Namespaces: [{ Name: 'n', Queues: [], Topics: [{ Name: 't', Subscriptions: [] }] }] },
    };
    expect(() => parseTopology(noSubs)).toThrow('Topics[0].Subscriptions: a topic needs at least one subscription');
    const sqlRule = structuredClone(testConfig);
    sqlRule.UserConfig.Namespaces[0]!.Topics[0]!.Subscriptions[1]!.Rules = [
      { Name: 'r', Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: '1=1' } } as never },
    ];
    expect(() => parseTopology(sqlRule)).toThrow('SQL filters are not');
    const twice = { UserConfig: { Namespaces: [{ Name: 'n', Queues: [{ Name: 'a' }, { Name: 'A' }], Topics: [] }] } };
    expect(() => parseTopology(twice)).toThrow('the name "A" is used twice');
    const badName = { UserConfig: { Namespaces: [{ Name: 'n', Queues: [{ Name: '-q' }], Topics: [] }] } };
    expect(() => parseTopology(badName)).toThrow('Queues[0].Name');
  });

  it('reports unreadable and non-JSON files with their path', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{ nope');
    expect(() => loadTopology(bad)).toThrow(`The Service Bus topology file ${bad} is not valid JSON`);
    expect(() => loadTopology(join(dir, 'missing.json'))).toThrow('Cannot read the Service Bus topology file');
  });

  it('parses ISO-8601 durations', () => {
    expect(parseIsoDuration('PT1M')).toBe(60_000);
    expect(parseIsoDuration('PT5M')).toBe(300_000);
    expect(parseIsoDuration('P1D')).toBe(86_400_000);
    expect(parseIsoDuration('P1DT2H30M1.5S')).toBe(86_400_000 + 2 * 3_600_000 + 30 * 60_000 + 1500);
    expect(parseIsoDuration('P2W')).toBe(14 * 86_400_000);
    for (const bad of ['P', 'PT', 'P1M', 'P1Y', '00:01:00', 'PT1M1H', ''])
      expect(parseIsoDuration(bad)).toBeUndefined();
  });
});

describe('parseServiceBusConnectionString', () => {
  it('accepts the emulator connection string', () => {
    expect(
      parseServiceBusConnectionString(
        'Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;',
      ),
    ).toEqual({
      endpoint: 'sb://localhost',
      host: 'localhost',
      emulator: true,
      sharedAccessKeyName: 'RootManageSharedAccessKey',
      sharedAccessKey: 'SAS_KEY_VALUE',
    });
    expect(parseServiceBusConnectionString('endpoint=sb://127.0.0.1:5673/;usedevelopmentemulator=TRUE')).toMatchObject({
      host: '127.0.0.1',
      port: 5673,
    });
  });

  it('refuses real namespaces and malformed strings clearly', () => {
    expect(() =>
      parseServiceBusConnectionString(
        'Endpoint=sb://contoso.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=abc=',
      ),
    ).toThrow(/real namespace "contoso\.servicebus\.windows\.net".*not supported yet/);
    expect(() => parseServiceBusConnectionString('')).toThrow('is empty');
    expect(() => parseServiceBusConnectionString('SharedAccessKey=x')).toThrow('has no Endpoint');
    expect(() => parseServiceBusConnectionString('Endpoint=http://localhost;UseDevelopmentEmulator=true')).toThrow(
      'must use the sb:// scheme',
    );
    expect(() => parseServiceBusConnectionString('Endpoint=sb://localhost;garbage')).toThrow(
      'malformed part "garbage"',
    );
  });
});
