import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeployError } from '../../infra/core/deployError.js';
import { maskSecrets } from '../../infra/core/secrets.js';
import { AzCli, formatCommand } from '../../infra/core/az.js';
import type { Clock } from '../../infra/core/clock.js';
import { spawnRunner, type CommandRunner } from '../../infra/core/commandRunner.js';
import { entraAppIdentifierUri } from '../../infra/core/context.js';
import { signalRUnitChoices } from '../../infra/core/options.js';
import { drifts } from '../../infra/core/plan.js';
import { pollUntil } from '../../infra/core/poll.js';
import { compareVersions } from '../../infra/preflight/cliVersion.js';
import {
  isoDuration,
  loadTopology,
  parseDuration,
  subscriptionPropertyArgs,
  topicPropertyArgs,
} from '../../infra/resources/topology.js';

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

describe('parseDuration', () => {
  it.each([
    ['PT1H', 3_600_000],
    ['PT1M30S', 90_000],
    ['P1D', 86_400_000],
    ['P14DT1.5S', 14 * 86_400_000 + 1_500],
    ['00:05:00', 300_000],
    ['1.00:00:00', 86_400_000],
    ['00:00:30.5', 30_500],
  ])('reads %s as Azure answers it', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('round-trips with isoDuration and refuses what is not a duration', () => {
    for (const ms of [1_000, 60_000, 3_600_000, 86_400_000 + 1_000]) expect(parseDuration(isoDuration(ms))).toBe(ms);
    for (const text of ['', 'P', 'PT', '60s', '5 minutes']) expect(parseDuration(text)).toBeUndefined();
  });
});

describe('compareVersions', () => {
  it('orders major.minor.patch numerically', () => {
    expect(compareVersions('2.60.0', '2.60.0')).toBe(0);
    expect(compareVersions('2.9.0', '2.60.0')).toBeLessThan(0);
    expect(compareVersions('2.61.1', '2.60.9')).toBeGreaterThan(0);
    expect(compareVersions('3.0.0', '2.99.99')).toBeGreaterThan(0);
    expect(compareVersions('2.60.0b1', '2.60.0')).toBe(0);
  });
});

describe('drifts', () => {
  it('lists only the declared settings that differ, case-insensitively for strings and in any order for lists', () => {
    expect(
      drifts({ a: 'TLS1_2', b: true, c: ['y', 'x'], d: 1 }, { a: 'tls1_2', b: false, c: ['x', 'y'], e: 'set' }),
    ).toEqual([
      { setting: 'b', now: true, wanted: false },
      { setting: 'e', now: undefined, wanted: 'set' },
    ]);
  });
});

describe('signalRUnitChoices', () => {
  it('offers what Azure SignalR Service sells per SKU', () => {
    expect(signalRUnitChoices('Free_F1')).toEqual([1]);
    expect(signalRUnitChoices('Standard_S1')).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100,
    ]);
    expect(signalRUnitChoices('Premium_P2')).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
  });
});

describe('entraAppIdentifierUri', () => {
  it('is stable per subscription and resource group, and differs for any other pair', () => {
    const account = { subscriptionId: 'SUB-1', tenantId: 'tenant' };
    const uri = entraAppIdentifierUri(account, 'Orders-RG');
    expect(uri).toBe(entraAppIdentifierUri({ subscriptionId: 'sub-1', tenantId: 'tenant' }, 'orders-rg'));
    expect(uri).toMatch(/^api:\/\/tenant\/order-notifications-[0-9a-f]{16}$/);
    expect(entraAppIdentifierUri(account, 'other-rg')).not.toBe(uri);
    expect(entraAppIdentifierUri({ subscriptionId: 'sub-2', tenantId: 'tenant' }, 'orders-rg')).not.toBe(uri);
  });
});

/** A clock whose sleeps move time at once; timeouts never fire on their own. */
function steppingClock(): Clock & { slept: number[] } {
  let now = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => now,
    sleep: (ms) => {
      slept.push(ms);
      now += ms;
      return Promise.resolve();
    },
    timeout: () => () => {},
  };
}

describe('pollUntil', () => {
  const base = { what: 'the thing', timeoutMs: 60_000, intervalMs: 20_000, hint: 'do X', log: () => {} };

  it('returns as soon as the probe is done, sleeping the interval in between', async () => {
    const clock = steppingClock();
    let calls = 0;
    const value = await pollUntil({
      ...base,
      clock,
      probe: async () => (++calls === 3 ? { done: true, value: 'ready' } : { done: false, seen: `try ${calls}` }),
    });
    expect(value).toBe('ready');
    expect(clock.slept).toEqual([20_000, 20_000]);
  });

  it('gives up at the bound on the clock, with the last thing seen and the hint', async () => {
    const clock = steppingClock();
    const attempt = pollUntil({ ...base, clock, probe: async () => ({ done: false, seen: 'not yet' }) });
    await expect(attempt).rejects.toThrow('Gave up waiting for the thing after 1 minute; last seen: not yet');
    await expect(attempt).rejects.toMatchObject({ hint: 'do X' });
    expect(clock.now()).toBeLessThanOrEqual(60_000);
  });
});

describe('spawnRunner', () => {
  it('kills a command that outlives its bound, together with what it started', async () => {
    let fire: (() => void) | undefined;
    const clock: Clock = { now: () => 0, sleep: () => Promise.resolve(), timeout: (_ms, f) => ((fire = f), () => {}) };
    const run = spawnRunner(clock);
    // The shell waits on a child of its own; only killing the whole process group ends both.
    const pending = run('sh', ['-c', 'sleep 300 & echo started; wait'], { timeoutMs: 1_000 });
    await new Promise((resolve) => setTimeout(resolve, 0));
    fire!();
    const result = await pending;
    expect(result.timedOut).toBe(true);
  });

  it('passes output and exit code through and cancels the bound when the command ends', async () => {
    let cancelled = false;
    const clock: Clock = { now: () => 0, sleep: () => Promise.resolve(), timeout: () => () => (cancelled = true) };
    const result = await spawnRunner(clock)('sh', ['-c', 'echo out; echo err >&2; exit 3'], { timeoutMs: 1_000 });
    expect(result).toEqual({ code: 3, stdout: 'out\n', stderr: 'err\n' });
    expect(cancelled).toBe(true);
  });
});

describe('AzCli modes', () => {
  function recording() {
    const ran: string[][] = [];
    const run: CommandRunner = (_c, args) => {
      ran.push([...args]);
      return Promise.resolve({ code: 0, stdout: '{"x":1}', stderr: '' });
    };
    return { ran, run };
  }

  it('in what-if runs reads and prints writes without running them', async () => {
    const { ran, run } = recording();
    const lines: string[] = [];
    const az = new AzCli(run, (l) => lines.push(l), 'what-if', 'again');
    expect(await az.json(['group', 'show'], {})).toEqual({ x: 1 });
    await az.change(['group', 'create', '--name', 'g']);
    expect(ran).toEqual([['group', 'show', '--output', 'json']]);
    expect(lines.at(-1)).toBe('$ az group create --name g --output none   # what-if: not run');
  });

  it('in dry-run runs nothing and answers placeholders', async () => {
    const { ran, run } = recording();
    const az = new AzCli(run, () => {}, 'dry-run', 'again');
    expect(await az.json(['group', 'show'], { placeholder: true })).toEqual({ placeholder: true });
    expect(await az.find(['group', 'show'])).toBeUndefined();
    await az.change(['group', 'create']);
    expect(ran).toEqual([]);
  });

  it('turns a timed-out read into an error naming the bound and how to resume', async () => {
    const az = new AzCli(
      () => Promise.resolve({ code: 1, stdout: '', stderr: '', timedOut: true }),
      () => {},
      'apply',
      'npm run deploy',
    );
    await expect(az.json(['account', 'show'], {}, { timeoutMs: 90_000 })).rejects.toMatchObject({
      message: '`az account show` did not finish within 1.5 minutes and was stopped.',
      hint: 'npm run deploy',
    });
  });
});
