import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../local/shared/clock.js';
import { ServiceBusBroker } from '../../local/servicebus/index.js';
import {
  bundleChild,
  expectLedgerKept,
  NODE_PATH,
  sequentialIds,
  tempDir,
  testConfig,
  topology,
  type Ledger,
} from './helpers.js';

describe('durability', () => {
  const dirs: ReturnType<typeof tempDir>[] = [];
  const open: ServiceBusBroker[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((b) => b.close()));
  });
  afterAll(() => dirs.forEach((d) => d.remove()));

  function dataDir(): string {
    const dir = tempDir();
    dirs.push(dir);
    return dir.path;
  }

  async function openAt(path: string, clock: ManualClock, prefix: string): Promise<ServiceBusBroker> {
    const broker = await ServiceBusBroker.open({ topology, dataDir: path, clock, newId: sequentialIds(prefix) });
    open.push(broker);
    return broker;
  }

  async function reopen(broker: ServiceBusBroker, path: string, clock: ManualClock, prefix: string) {
    await broker.close();
    return openAt(path, clock, prefix);
  }

  it('keeps messages, settlements, delivery counts, sequence numbers and duplicate history across close/reopen', async () => {
    const path = dataDir();
    const clock = new ManualClock();
    let broker = await openAt(path, clock, 'first');
    expect(existsSync(join(path, 'servicebus.db'))).toBe(true);
    await broker.send('jobs', [
      { body: 'done', messageId: 'm1' },
      { body: { n: 2 }, messageId: 'm2', applicationProperties: { a: 1 } },
      { body: Buffer.from('three'), messageId: 'm3' },
    ]);
    await broker.send('orders', [{ body: 'order', applicationProperties: { tier: 'vip' } }]);
    const [done, inFlight] = broker.receive('jobs', 2);
    await broker.complete('jobs', done!.lockToken);
    expect(inFlight!.messageId).toBe('m2');
    const [dead] = broker.receive('orders/Subscriptions/vip', 1);
    await broker.deadLetter('orders/Subscriptions/vip', dead!.lockToken, { reason: 'why' });

    broker = await reopen(broker, path, clock, 'second');
    const jobs = broker.receive('jobs', 10);
    expect(jobs.map((m) => [m.messageId, m.deliveryCount])).toEqual([
      ['m2', 2],
      ['m3', 1],
    ]);
    expect(jobs[0]!).toMatchObject({ body: { n: 2 }, applicationProperties: { a: 1 }, sequenceNumber: 2 });
    expect(Buffer.from(jobs[1]!.body as Buffer).toString()).toBe('three');
    expect(broker.peek('orders/Subscriptions/vip/$DeadLetterQueue', 5)).toEqual([
      expect.objectContaining({ body: 'order', applicationProperties: { tier: 'vip', DeadLetterReason: 'why' } }),
    ]);
    expect(broker.peek('orders/Subscriptions/all', 5)).toHaveLength(1);
    await broker.send('jobs', [
      { body: 'dup', messageId: 'm1' },
      { body: 'new', messageId: 'm4' },
    ]);
    expect(broker.peek('jobs', 10).map((m) => [m.messageId, m.sequenceNumber])).toEqual([
      ['m2', 2],
      ['m3', 3],
      ['m4', 4],
    ]);
  });

  it('dead-letters on reopen a message whose last allowed delivery was cut off', async () => {
    const path = dataDir();
    const clock = new ManualClock();
    let broker = await openAt(path, clock, 'a');
    await broker.send('jobs', [{ body: 'crashy' }]);
    for (let i = 0; i < 2; i++) await broker.abandon('jobs', broker.receive('jobs', 1)[0]!.lockToken);
    expect(broker.receive('jobs', 1)[0]!.deliveryCount).toBe(3);
    broker = await reopen(broker, path, clock, 'b');
    expect(broker.receive('jobs', 1)).toEqual([]);
    expect(broker.peek('jobs/$DeadLetterQueue', 1)[0]!.applicationProperties).toEqual({
      DeadLetterReason: 'MaxDeliveryCountExceeded',
      DeadLetterErrorDescription: 'Message could not be consumed after 3 delivery attempts.',
    });
  });

  it('keeps scheduled messages scheduled across reopen', async () => {
    const path = dataDir();
    const clock = new ManualClock();
    let broker = await openAt(path, clock, 'a');
    await broker.send('jobs', [{ body: 'later', scheduledEnqueueTimeUtc: new Date(clock.now() + 60_000) }]);
    broker = await reopen(broker, path, clock, 'b');
    expect(broker.stats()[0]).toMatchObject({ scheduled: 1, active: 0 });
    clock.advance(60_000);
    expect(broker.receive('jobs', 1)[0]!.body).toBe('later');
  });

  it('keeps each message of one batch in its own row, every column its own', async () => {
    const path = dataDir();
    const clock = new ManualClock();
    let broker = await openAt(path, clock, 'a');
    const now = clock.now();
    const pooled = Buffer.from('bytes from a shared pool'); // a view at an offset into Node's buffer pool
    await broker.send('jobs', [
      { body: { n: 1 }, messageId: 'j', contentType: 'application/json', timeToLiveMs: 1_000 },
      { body: pooled, messageId: 'b', correlationId: 'c-2', applicationProperties: { k: 2 } },
      { body: 'text', messageId: 's', subject: 'third', scheduledEnqueueTimeUtc: new Date(now + 5_000) },
      { body: [4, 'four'], messageId: 'a', to: 'somewhere', timeToLiveMs: 4_000 },
    ]);
    broker = await reopen(broker, path, clock, 'b');
    const rows = broker.peek('jobs', 10).map((m) => ({
      id: m.messageId,
      seq: m.sequenceNumber,
      body: Buffer.isBuffer(m.body) ? m.body.toString() : m.body,
      enqueued: m.enqueuedTimeUtc.getTime() - now,
      expires: m.expiresAtUtc.getTime() - now,
      state: m.state,
      extra: [m.contentType, m.correlationId, m.subject, m.to, m.applicationProperties],
    }));
    expect(rows).toEqual([
      {
        id: 'j',
        seq: 1,
        body: { n: 1 },
        enqueued: 0,
        expires: 1_000,
        state: 'active',
        extra: ['application/json', undefined, undefined, undefined, {}],
      },
      {
        id: 'b',
        seq: 2,
        body: 'bytes from a shared pool',
        enqueued: 0,
        expires: 600_000,
        state: 'active',
        extra: [undefined, 'c-2', undefined, undefined, { k: 2 }],
      },
      {
        id: 's',
        seq: 3,
        body: 'text',
        enqueued: 5_000,
        expires: 605_000,
        state: 'scheduled',
        extra: [undefined, undefined, 'third', undefined, {}],
      },
      {
        id: 'a',
        seq: 4,
        body: [4, 'four'],
        enqueued: 0,
        expires: 4_000,
        state: 'active',
        extra: [undefined, undefined, undefined, 'somewhere', {}],
      },
    ]);
  });

  it('in-memory mode keeps nothing between opens', async () => {
    const clock = new ManualClock();
    const first = await ServiceBusBroker.open({ topology, inMemory: true, clock });
    await first.send('jobs', [{ body: 1 }]);
    expect(first.peek('jobs', 1)).toHaveLength(1);
    await first.close();
    const second = await ServiceBusBroker.open({ topology, inMemory: true, clock });
    open.push(second);
    expect(second.peek('jobs', 1)).toEqual([]);
    await expect(ServiceBusBroker.open({ topology })).rejects.toThrow('needs a dataDir');
  });

  describe('kill -9 of a process under load', () => {
    let childScript: string;
    beforeAll(async () => {
      const out = tempDir();
      dirs.push(out);
      childScript = await bundleChild(join(import.meta.dirname, 'fixtures/crashChild.ts'), out.path);
    });

    /** Runs the child until it acknowledged `sends` batches and `completes` completions, then SIGKILLs it. */
    function runAndKill(path: string, round: number, sends: number, completes: number) {
      const sent: string[] = [];
      const completing: string[] = [];
      const completed: string[] = [];
      const child = spawn(process.execPath, [childScript, path, String(round)], {
        env: {
          ...process.env,
          NODE_PATH,
          SB_TOPOLOGY: JSON.stringify(testConfig),
        },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let batches = 0;
      let killed = false;
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (line.startsWith('S ')) {
          sent.push(...line.slice(2).split(','));
          batches++;
        } else if (line.startsWith('R ')) completing.push(line.slice(2));
        else if (line.startsWith('C ')) completed.push(line.slice(2));
        if (!killed && batches >= sends && completed.length >= completes) {
          killed = true;
          child.kill('SIGKILL');
        }
      });
      return new Promise<{ sent: string[]; completing: string[]; completed: string[] }>((resolve, reject) => {
        child.on('error', reject);
        child.on('exit', (code, signal) => {
          if (signal !== 'SIGKILL') reject(new Error(`child exited with ${code ?? signal} before it was killed`));
          else resolve({ sent, completing, completed });
        });
      });
    }

    it('loses no acknowledged send and redelivers no acknowledged completion', async () => {
      const path = dataDir();
      const ledger: Ledger = { sent: new Set(), completing: new Set(), completed: new Set() };
      for (let round = 0; round < 3; round++) {
        const result = await runAndKill(path, round, 40, 200);
        result.sent.forEach((id) => ledger.sent.add(id));
        result.completing.forEach((id) => ledger.completing.add(id));
        result.completed.forEach((id) => ledger.completed.add(id));
      }
      await expectLedgerKept(path, ledger);
      expect(ledger.sent.size).toBeGreaterThanOrEqual(3 * 40 * 25);
      expect(ledger.completed.size).toBeGreaterThanOrEqual(3 * 200);
    });
  });
});
