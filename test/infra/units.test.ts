import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeployError } from '../../infra/core/deployError.js';
import { maskSecrets } from '../../infra/core/secrets.js';
import { isoDuration, loadTopology, subscriptionPropertyArgs, topicPropertyArgs } from '../../infra/resources/topology.js';
import { formatCommand } from '../../infra/core/az.js';

const topic = (subscription: object, extra: object = {}) => ({
  UserConfig: {
    Namespaces: [{ Name: 'ns', Queues: [], Topics: [{ Name: 'orders', Subscriptions: [subscription], ...extra }] }],
  },
});

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'infra-topology-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a topology file and loads it the way the deployment does. */
function load(raw: unknown) {
  const file = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(raw));
  return loadTopology(file);
}

describe('topology file', () => {
  it('fills missing properties with the emulator defaults, so Azure and the local broker agree', () => {
    const { topics } = load(topic({ Name: 'p' }));
    expect(topicPropertyArgs(topics[0]!)).toEqual([
      '--default-message-time-to-live',
      'PT1H',
      '--enable-duplicate-detection',
      'false',
      '--duplicate-detection-history-time-window',
      'PT20S',
    ]);
    expect(subscriptionPropertyArgs(topics[0]!.subscriptions[0]!)).toEqual([
      '--max-delivery-count',
      '3',
      '--lock-duration',
      'PT1M',
      '--default-message-time-to-live',
      'PT1H',
      '--enable-dead-lettering-on-message-expiration',
      'false',
      '--enable-session',
      'false',
    ]);
  });

  it('writes durations the way the CLI takes them', () => {
    expect(isoDuration(3_600_000)).toBe('PT1H');
    expect(isoDuration(90_000)).toBe('PT1M30S');
    expect(isoDuration(14 * 86_400_000 + 1_500)).toBe('P14DT1.5S');
    expect(isoDuration(0)).toBe('PT0S');
  });

  it.each([
    ['a bad duration', topic({ Name: 'p', Properties: { LockDuration: '60s' } }), /LockDuration/],
    [
      'a topic without subscriptions',
      { UserConfig: { Namespaces: [{ Name: 'n', Queues: [], Topics: [{ Name: 't', Subscriptions: [] }] }] } },
      /subscription/,
    ],
    [
      'queues',
      { UserConfig: { Namespaces: [{ Name: 'n', Queues: [{ Name: 'q' }], Topics: [] }] } },
      /Queues are not deployed/,
    ],
    [
      'filter rules',
      topic({
        Name: 'p',
        Rules: [{ Name: 'r', Properties: { FilterType: 'Correlation', CorrelationFilter: { Label: 'x' } } }],
      }),
      /has Rules/,
    ],
    [
      'forwarding, which the local broker does not emulate',
      topic({ Name: 'p', Properties: { ForwardTo: 'x' } }),
      /ForwardTo/,
    ],
    ['no namespace', { UserConfig: { Namespaces: [] } }, /amespace/],
  ])('rejects %s with a clear error', (_name, raw, message) => {
    expect(() => load(raw)).toThrow(DeployError);
    expect(() => load(raw)).toThrow(message);
  });
});

describe('maskSecrets', () => {
  const key = 'c2VjcmV0LWtleS10aGF0LW11c3Qtbm90LWJlLXByaW50ZWQtYW55d2hlcmU=';
  it.each([
    [`AccountName=st;AccountKey=${key};EndpointSuffix=core.windows.net`, 'AccountKey=***;EndpointSuffix'],
    [`Endpoint=sb://ns/;SharedAccessKeyName=Root;SharedAccessKey=abc123`, 'SharedAccessKey=***'],
    [`{"primaryKey": "${key}"}`, '{"primaryKey": "***"}'],
    [`https://st.blob.core.windows.net/c?sv=2022&sig=abc%2Fdef`, 'sig=***'],
    [`token eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ1In0.c2lnbmF0dXJl here`, 'token *** here'],
    [`bare key ${key}`, 'bare key ***'],
  ])('masks %s', (text, expected) => {
    expect(maskSecrets(text)).toContain(expected);
    expect(maskSecrets(text)).not.toContain(key);
  });

  it('leaves resource ids, names and URLs alone', () => {
    const text =
      '/subscriptions/00000000-0000-0000-0000-0000000000aa/resourceGroups/ordernotif-rg/providers/Microsoft.Storage/storageAccounts/ordernotifst https://ordernotif-func.azurewebsites.net/api';
    expect(maskSecrets(text)).toBe(text);
  });
});

describe('formatCommand', () => {
  it('quotes what a POSIX shell would expand or split', () => {
    expect(formatCommand('az', ['storage', '--destination', '$web', '--body', `{"a":"it's"}`])).toBe(
      `az storage --destination '$web' --body '{"a":"it'\\''s"}'`,
    );
  });
});
