import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../local/shared/clock.js';
import { ServiceBusBroker } from '../../local/servicebus/index.js';
import { openInMemory, sequentialIds, tempDir, topology } from './helpers.js';

// Application property names a sender chooses, which a plain object would take for its own machinery.
const OUTSIDE_KEYS = JSON.parse(
  '{"__proto__":"p","constructor":"c","prototype":"pt","hasOwnProperty":1,"toString":true,"valueOf":null}',
) as Record<string, string | number | boolean | null>;

const dirs: ReturnType<typeof tempDir>[] = [];
afterAll(() => dirs.forEach((d) => d.remove()));

describe('state keyed by what senders choose', () => {
  it('keeps application properties named __proto__, constructor and the like as ordinary properties', async () => {
    const { broker } = await openInMemory();
    try {
      await broker.send('jobs', [{ body: 'x', applicationProperties: OUTSIDE_KEYS }]);
      const [message] = broker.receive('jobs', 1);
      const properties = message!.applicationProperties!;
      expect(Object.getPrototypeOf(properties)).toBe(Object.prototype);
      expect(Object.entries(properties)).toEqual(Object.entries(OUTSIDE_KEYS));
      expect(JSON.stringify(properties)).toBe(JSON.stringify(OUTSIDE_KEYS));
      await broker.abandon('jobs', message!.lockToken, JSON.parse('{"__proto__":null}'));
      const [again] = broker.receive('jobs', 1);
      expect(Object.hasOwn(again!.applicationProperties!, '__proto__')).toBe(true);
      expect(again!.applicationProperties!['__proto__']).toBeNull();
      expect(again!.applicationProperties!.constructor).toBe('c');
    } finally {
      await broker.close();
    }
  });

  it('keeps them across a restart of the durable store', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const clock = new ManualClock();
    const first = await ServiceBusBroker.open({ topology, dataDir: dir.path, clock, newId: sequentialIds() });
    await first.send('jobs', [{ body: 'x', applicationProperties: OUTSIDE_KEYS }]);
    await first.close();
    const second = await ServiceBusBroker.open({ topology, dataDir: dir.path, clock, newId: sequentialIds('b') });
    try {
      expect(Object.entries(second.receive('jobs', 1)[0]!.applicationProperties!)).toEqual(
        Object.entries(OUTSIDE_KEYS),
      );
    } finally {
      await second.close();
    }
  });

  it('routes on own properties only: a correlation filter never matches through what objects inherit', async () => {
    const { broker } = await openInMemory();
    try {
      await broker.send('orders', [
        { body: 'no tier', applicationProperties: { constructor: 'x' } },
        { body: 'vip', applicationProperties: { tier: 'vip' } },
      ]);
      expect(broker.receive('orders/Subscriptions/vip', 10).map((m) => m.body)).toEqual(['vip']);
    } finally {
      await broker.close();
    }
  });
});

describe('checkHealth', () => {
  it('resolves while the durable store takes writes, and rejects once the broker is closed', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const broker = await ServiceBusBroker.open({ topology, dataDir: dir.path });
    await expect(broker.checkHealth()).resolves.toBeUndefined();
    await broker.send('jobs', [{ body: 'x' }]);
    await expect(broker.checkHealth()).resolves.toBeUndefined();
    await broker.close();
    await expect(broker.checkHealth()).rejects.toThrow('closed');
    const memory = await openInMemory();
    await expect(memory.broker.checkHealth()).resolves.toBeUndefined();
    await memory.broker.close();
  });

  it('rejects when the disk under the store is full', async (context) => {
    const dir = tempDir();
    dirs.push(dir);
    const mount = join(dir.path, 'small');
    mkdirSync(mount);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', mount], { stdio: 'ignore' });
    } catch {
      context.skip('cannot mount a tmpfs here (needs root and mount rights): the full-disk probe is not checked');
    }
    const broker = await ServiceBusBroker.open({ topology, dataDir: mount });
    try {
      await expect(broker.checkHealth()).resolves.toBeUndefined();
      try {
        writeFileSync(join(mount, 'filler'), Buffer.alloc(2 * 1024 * 1024));
      } catch {
        // ENOSPC once the tmpfs is full: that is the point
      }
      await expect(broker.checkHealth()).rejects.toThrow(/full|space/i);
    } finally {
      await broker.close().catch(() => undefined);
      execFileSync('umount', ['-l', mount], { stdio: 'ignore' });
    }
  });
});
