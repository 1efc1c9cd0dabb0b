import { describe, expect, it } from 'vitest';
import { DeployError } from '../../infra/deployError.js';
import { maskSecrets } from '../../infra/secrets.js';
import { parseTopology, subscriptionPropertyArgs } from '../../infra/topology.js';
import { formatCommand } from '../../infra/az.js';

const topic = (subscription: object, extra: object = {}) => ({
  UserConfig: {
    Namespaces: [{ Name: 'ns', Queues: [], Topics: [{ Name: 'orders', Subscriptions: [subscription], ...extra }] }],
  },
});

describe('topology file', () => {
  it('fills missing properties with the emulator defaults, so Azure and the local broker agree', () => {
    const { topics } = parseTopology(topic({ Name: 'p' }), 'cfg.json');
    expect(topics[0]?.Properties).toEqual({
      DefaultMessageTimeToLive: 'PT1H',
      DuplicateDetectionHistoryTimeWindow: 'PT20S',
      RequiresDuplicateDetection: false,
    });
    expect(subscriptionPropertyArgs(topics[0]!.Subscriptions[0]!)).toEqual([
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

  it('passes forwarding targets only when set', () => {
    const { topics } = parseTopology(topic({ Name: 'p', Properties: { ForwardTo: 'other' } }), 'cfg.json');
    expect(subscriptionPropertyArgs(topics[0]!.Subscriptions[0]!)).toContain('--forward-to');
  });

  it.each([
    ['a bad duration', topic({ Name: 'p', Properties: { LockDuration: '60s' } }), /LockDuration: expected an ISO-8601/],
    [
      'a topic without subscriptions',
      { UserConfig: { Namespaces: [{ Name: 'n', Queues: [], Topics: [{ Name: 't', Subscriptions: [] }] }] } },
      /at least one subscription/,
    ],
    [
      'queues',
      { UserConfig: { Namespaces: [{ Name: 'n', Queues: [{ Name: 'q' }], Topics: [] }] } },
      /Queues are not deployed/,
    ],
    ['filter rules', topic({ Name: 'p', Rules: [{ Name: 'r' }] }), /has Rules/],
    ['no namespace', { UserConfig: { Namespaces: [] } }, /exactly one namespace/],
  ])('rejects %s with a clear error', (_name, raw, message) => {
    expect(() => parseTopology(raw, 'cfg.json')).toThrow(DeployError);
    expect(() => parseTopology(raw, 'cfg.json')).toThrow(message);
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
