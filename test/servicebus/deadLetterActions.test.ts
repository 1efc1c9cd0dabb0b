import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../local/shared/clock.js';
import { ServiceBusBroker, ServiceBusError } from '../../local/servicebus/index.js';
import { sequentialIds, tempDir, topology } from './helpers.js';

const sub = 'orders/Subscriptions/all';
const subDlq = `${sub}/$DeadLetterQueue`;

describe('operator actions on the broker: resubmit a dead letter, purge', () => {
  const dirs: { remove(): void }[] = [];
  const brokers: ServiceBusBroker[] = [];
  afterEach(async () => {
    for (const broker of brokers.splice(0)) await broker.close();
    for (const dir of dirs.splice(0)) dir.remove();
  });

  async function open(path: string, clock = new ManualClock()) {
    const broker = await ServiceBusBroker.open({ topology, dataDir: path, clock, newId: sequentialIds() });
    brokers.push(broker);
    return broker;
  }

  async function deadLetterOne(broker: ServiceBusBroker): Promise<number> {
    await broker.send('orders', [{ body: { n: 1 }, messageId: 'm-1', applicationProperties: { tier: 'basic' } }]);
    const [message] = broker.receive(sub, 1);
    await broker.deadLetter(sub, message!.lockToken, { reason: 'Poison', description: 'it broke' });
    return broker.peek(subDlq, 1)[0]!.sequenceNumber;
  }

  it('resubmit puts the dead letter back on its subscription only, fresh, and it survives a restart', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const broker = await open(dir.path);
    const sequenceNumber = await deadLetterOne(broker);

    const moved = await broker.resubmitDeadLetter(subDlq, sequenceNumber);
    expect(moved.entityPath).toBe(sub);
    expect(moved.sequenceNumber).toBeGreaterThan(sequenceNumber);
    expect(broker.peek(subDlq, 10)).toEqual([]);
    // The topic's other subscription gets no copy (the vip filter would not match anyway: check the count).
    expect(broker.stats().find((s) => s.path === 'orders/Subscriptions/vip')?.active).toBe(0);

    await broker.close();
    brokers.pop();
    const reopened = await open(dir.path);
    const [again] = reopened.receive(sub, 1);
    expect(again).toMatchObject({
      messageId: 'm-1',
      body: { n: 1 },
      deliveryCount: 1,
      sequenceNumber: moved.sequenceNumber,
    });
    expect(again!.applicationProperties).toEqual({ tier: 'basic' });
    expect(again!.deadLetterSource).toBeUndefined();
    expect(reopened.peek(subDlq, 10)).toEqual([]);
  });

  it('refuses what is not an unlocked dead letter, naming why', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const broker = await open(dir.path);
    const sequenceNumber = await deadLetterOne(broker);
    await expect(broker.resubmitDeadLetter(sub, sequenceNumber)).rejects.toThrow(/not a dead-letter queue/);
    await expect(broker.resubmitDeadLetter(subDlq, 999)).rejects.toMatchObject({ code: 'MessageNotFound' });
    const [locked] = broker.receive(subDlq, 1);
    const refusal = await broker.resubmitDeadLetter(subDlq, sequenceNumber).catch((error: unknown) => error);
    expect(refusal).toBeInstanceOf(ServiceBusError);
    await broker.abandon(subDlq, locked!.lockToken);
    await expect(broker.resubmitDeadLetter(subDlq, sequenceNumber)).resolves.toMatchObject({ entityPath: sub });
  });

  it('purge deletes active and scheduled messages but not locked ones, durably', async () => {
    const dir = tempDir();
    dirs.push(dir);
    const clock = new ManualClock();
    const broker = await open(dir.path, clock);
    await broker.send('jobs', [{ body: 'a' }, { body: 'b' }, { body: 'c' }]);
    await broker.send('jobs', [{ body: 'later', scheduledEnqueueTimeUtc: new Date(clock.now() + 60_000) }]);
    const [held] = broker.receive('jobs', 1);
    expect(await broker.purge('jobs')).toBe(3);
    expect(broker.stats().find((s) => s.path === 'jobs')).toMatchObject({ active: 0, scheduled: 0, locked: 1 });
    await broker.complete('jobs', held!.lockToken);
    clock.advance(120_000);
    expect(broker.receive('jobs', 10)).toEqual([]);

    await broker.close();
    brokers.pop();
    const reopened = await open(dir.path, clock);
    expect(reopened.peek('jobs', 10)).toEqual([]);
  });
});
