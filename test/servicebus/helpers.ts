import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { build } from 'esbuild';
import { expect } from 'vitest';
import { ManualClock } from '../../local/shared/clock.js';
import { parseTopology, ServiceBusBroker, type ReceivedMessage, type Topology } from '../../local/servicebus/index.js';

/** A Config.json exercising every feature the broker has. */
export const testConfig = {
  UserConfig: {
    Namespaces: [
      {
        Name: 'sbemulatorns',
        Queues: [
          {
            Name: 'jobs',
            Properties: {
              LockDuration: 'PT30S',
              MaxDeliveryCount: 3,
              DefaultMessageTimeToLive: 'PT10M',
              RequiresDuplicateDetection: true,
              DuplicateDetectionHistoryTimeWindow: 'PT1M',
            },
          },
          {
            Name: 'expiring',
            Properties: { DeadLetteringOnMessageExpiration: true, DefaultMessageTimeToLive: 'PT1H' },
          },
        ],
        Topics: [
          {
            Name: 'orders',
            Properties: { DefaultMessageTimeToLive: 'PT1H' },
            Subscriptions: [
              { Name: 'all', Properties: { MaxDeliveryCount: 5 } },
              {
                Name: 'vip',
                Rules: [
                  {
                    Name: 'vipOnly',
                    Properties: { FilterType: 'Correlation', CorrelationFilter: { Properties: { tier: 'vip' } } },
                  },
                ],
              },
            ],
          },
        ],
      },
    ],
    Logging: { Type: 'Console' },
  },
};

export const topology: Topology = parseTopology(testConfig, 'test config');

export function sequentialIds(prefix = 'id'): () => string {
  let n = 0;
  return () => `${prefix}-${++n}`;
}

export type TestBroker = { broker: ServiceBusBroker; clock: ManualClock };

export async function openInMemory(clock = new ManualClock()): Promise<TestBroker> {
  const broker = await ServiceBusBroker.open({ topology, inMemory: true, clock, newId: sequentialIds() });
  return { broker, clock };
}

export function tempDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), 'servicebus-test-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** Lets pending microtasks and setImmediate callbacks (group commits, processor pumps) run. */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Resolves the next time messages become available in `path`. */
export function whenAvailable(broker: ServiceBusBroker, path: string): Promise<void> {
  return new Promise((resolve) => {
    const off = broker.onMessagesAvailable(path, () => {
      off();
      resolve();
    });
  });
}

export function deferred<T = void>(): { promise: Promise<T>; resolve(value: T): void; reject(error: unknown): void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export const NODE_PATH = join(import.meta.dirname, '../../node_modules');

/**
 * Bundles a child-process entry (TypeScript) into `outDir` and returns the script's path. CommonJS, so the native
 * better-sqlite3 resolves through NODE_PATH from the temp dir; the store's writer thread is bundled next to it,
 * where the store looks for it, and import.meta.url is given its CommonJS meaning.
 */
export async function bundleChild(entry: string, outDir: string): Promise<string> {
  await build({
    entryPoints: [entry, join(import.meta.dirname, '../../local/servicebus/sqliteWriter.ts')],
    outdir: outDir,
    entryNames: '[name]',
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    external: ['better-sqlite3'],
    define: { 'import.meta.url': 'importMetaUrl' },
    banner: { js: "const importMetaUrl = require('node:url').pathToFileURL(__filename).href;" },
    logLevel: 'error',
  });
  return join(outDir, basename(entry).replace(/\.ts$/, '.js'));
}

/** What the clients of a crash run saw acknowledged: messages sent, completions asked for, completions done. */
export type Ledger = { sent: Set<string>; completing: Set<string>; completed: Set<string> };

/**
 * Opens the broker's store at `dataDir` after the crashes and checks it against `ledger`: no message is there
 * twice, none that was sent is gone unless its completion was asked for, and none that was completed is back.
 */
export async function expectLedgerKept(dataDir: string, ledger: Ledger): Promise<void> {
  const broker = await ServiceBusBroker.open({ topology, dataDir, clock: new ManualClock(Date.now()) });
  try {
    const remaining: ReceivedMessage[] = [];
    for (const entity of ['jobs', 'jobs/$DeadLetterQueue']) {
      for (let batch = broker.receive(entity, 500); batch.length > 0; batch = broker.receive(entity, 500)) {
        remaining.push(...batch);
      }
    }
    const ids = remaining.map((m) => m.messageId);
    expect(new Set(ids).size).toBe(ids.length);
    const present = new Set(ids);
    expect([...ledger.sent].filter((id) => !ledger.completing.has(id) && !present.has(id))).toEqual([]);
    expect([...ledger.completed].filter((id) => present.has(id))).toEqual([]);
  } finally {
    await broker.close();
  }
}
