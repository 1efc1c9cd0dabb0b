import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../local/shared/clock.js';
import { ServiceBusBroker } from '../../local/servicebus/index.js';
import { tmpfsTestName, tmpfsUnavailable, withTmpfs } from '../support/tmpfs.js';
import { sequentialIds, topology } from './helpers.js';

const open: ServiceBusBroker[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((broker) => broker.close().catch(() => undefined)));
});

async function openBroker(dataDir: string, prefix: string): Promise<ServiceBusBroker> {
  const broker = await ServiceBusBroker.open({
    topology,
    dataDir,
    clock: new ManualClock(),
    newId: sequentialIds(prefix),
  });
  open.push(broker);
  return broker;
}

describe('the broker on a full disk', () => {
  it.skipIf(tmpfsUnavailable)(
    tmpfsTestName(
      'rejects a send it cannot commit with code SQLITE_FULL, keeps what it committed, and recovers when space returns',
    ),
    () =>
      withTmpfs(1024 * 1024, async (disk) => {
        const dataDir = join(disk.dir, 'servicebus');
        const broker = await openBroker(dataDir, 'first');
        const ballast = disk.fill('ballast', 256 * 1024);
        const body = 'x'.repeat(16 * 1024);
        const committed: string[] = [];
        let failure: unknown;
        for (let i = 0; i < 200 && failure === undefined; i++) {
          try {
            await broker.send('jobs', [{ body, messageId: `m${i}` }]);
            committed.push(`m${i}`);
          } catch (error) {
            failure = error;
          }
        }
        expect(committed.length).toBeGreaterThan(0);
        expect(failure).toMatchObject({ name: 'StoreWriteError', code: 'SQLITE_FULL' });
        expect(broker.storeHealth()).toMatchObject({ diskFull: true, lastWriteError: expect.stringContaining('full') });
        // A refused send leaves nothing behind to receive.
        expect(broker.peek('jobs', 1_000).map((m) => m.messageId)).toEqual(committed);

        rmSync(ballast);
        await broker.send('jobs', [{ body: 'after', messageId: 'after' }]);
        expect(broker.storeHealth().diskFull).toBe(false);

        await broker.close();
        const reopened = await openBroker(dataDir, 'second');
        expect(reopened.peek('jobs', 1_000).map((m) => m.messageId)).toEqual([...committed, 'after']);
        await reopened.close();
      }),
    30_000,
  );
});
