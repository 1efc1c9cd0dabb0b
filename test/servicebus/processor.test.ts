import { afterEach, describe, expect, it } from 'vitest';
import type { ReceivedMessage, ServiceBusBroker } from '../../local/servicebus/index.js';
import { deferred, nextTurn, openInMemory, whenAvailable, type TestBroker } from './helpers.js';

const options = { maxConcurrentCalls: 1, autoCompleteMessages: true, maxAutoLockRenewalDurationMs: 300_000 };

describe('createProcessor (serviceBusTrigger semantics)', () => {
  let t: TestBroker;
  let broker: ServiceBusBroker;
  afterEach(() => broker.close());

  async function setup() {
    t = await openInMemory();
    broker = t.broker;
  }

  /** Resolves after the handler saw `count` messages. */
  function collect(count: number) {
    const seen: ReceivedMessage[] = [];
    const done = deferred<ReceivedMessage[]>();
    return {
      seen,
      done: done.promise,
      record(message: ReceivedMessage) {
        seen.push(message);
        if (seen.length === count) done.resolve(seen);
      },
    };
  }

  it('completes messages whose handler succeeds, including ones sent later (woken by events)', async () => {
    await setup();
    await broker.send('jobs', [{ body: 1 }]);
    const calls = collect(3);
    const processor = broker.createProcessor('jobs', async (m) => calls.record(m), options);
    await broker.send('jobs', [{ body: 2 }, { body: 3 }]);
    await calls.done;
    await processor.close();
    expect(calls.seen.map((m) => [m.body, m.deliveryCount])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    expect(broker.stats()[0]).toMatchObject({ active: 0, locked: 0, deadLetter: 0 });
  });

  it('abandons on throw, redelivers at once, and dead-letters after MaxDeliveryCount', async () => {
    await setup();
    const calls = collect(3);
    const dead = whenAvailable(broker, 'jobs/$DeadLetterQueue');
    broker.createProcessor(
      'jobs',
      async (m) => {
        calls.record(m);
        throw new Error('boom');
      },
      { ...options, autoCompleteMessages: false },
    );
    await broker.send('jobs', [{ body: 'poison' }]);
    await dead;
    expect(calls.seen.map((m) => m.deliveryCount)).toEqual([1, 2, 3]);
    expect(t.clock.now()).toBe(calls.seen[0]!.enqueuedTimeUtc.getTime());
    expect(broker.peek('jobs/$DeadLetterQueue', 1)[0]!.applicationProperties).toMatchObject({
      DeadLetterReason: 'MaxDeliveryCountExceeded',
    });
  });

  it('leaves a successful message locked when autoCompleteMessages is false', async () => {
    await setup();
    const calls = collect(1);
    const processor = broker.createProcessor('jobs', async (m) => calls.record(m), {
      ...options,
      autoCompleteMessages: false,
      maxAutoLockRenewalDurationMs: 0,
    });
    await broker.send('jobs', [{ body: 'x' }]);
    await calls.done;
    await processor.close();
    expect(broker.stats()[0]).toMatchObject({ active: 0, locked: 1 });
    t.clock.advance(30_000);
    expect(broker.stats()[0]).toMatchObject({ active: 1, locked: 0 });
  });

  it('never runs more than maxConcurrentCalls handlers at once', async () => {
    await setup();
    const gates = new Map<unknown, ReturnType<typeof deferred<void>>>();
    let running = 0;
    let peak = 0;
    const firstTwo = collect(2);
    const all = collect(5);
    broker.createProcessor(
      'jobs',
      async (m) => {
        running++;
        peak = Math.max(peak, running);
        const gate = deferred();
        gates.set(m.body, gate);
        firstTwo.record(m);
        all.record(m);
        await gate.promise;
        running--;
      },
      { ...options, maxConcurrentCalls: 2 },
    );
    await broker.send(
      'jobs',
      [1, 2, 3, 4, 5].map((body) => ({ body })),
    );
    await firstTwo.done;
    await nextTurn();
    expect(all.seen.map((m) => m.body)).toEqual([1, 2]);
    expect(broker.stats()[0]).toMatchObject({ active: 3, locked: 2 });
    gates.get(1)!.resolve();
    for (const body of [2, 3, 4, 5]) {
      while (!gates.has(body)) await nextTurn();
      gates.get(body)!.resolve();
    }
    await all.done;
    expect(peak).toBe(2);
  });

  it('renews the lock while the handler runs, up to maxAutoLockRenewalDurationMs', async () => {
    await setup();
    const calls = collect(2);
    const release = deferred();
    const settlementErrors: unknown[] = [];
    broker.createProcessor(
      'jobs',
      async (m) => {
        calls.record(m);
        if (m.deliveryCount === 1) await release.promise;
      },
      { ...options, maxAutoLockRenewalDurationMs: 120_000, onError: (error) => settlementErrors.push(error) },
    );
    await broker.send('jobs', [{ body: 'long' }]);
    while (calls.seen.length === 0) await nextTurn();
    // Lock is 30 s; without renewal it would have expired at 30 s.
    t.clock.advance(100_000);
    expect(broker.stats()[0]).toMatchObject({ active: 0, locked: 1 });
    // Renewal stops at 120 s; the last renewal (at 100 s) holds the lock until 130 s.
    t.clock.advance(29_999);
    expect(broker.stats()[0]).toMatchObject({ active: 0, locked: 1 });
    t.clock.advance(1);
    expect(broker.stats()[0]).toMatchObject({ active: 1, locked: 0 });
    // The slow handler finally succeeds, but its lock is gone: the message is delivered again.
    release.resolve();
    await calls.done;
    expect(calls.seen[1]!.deliveryCount).toBe(2);
    expect(settlementErrors).toEqual([expect.objectContaining({ code: 'MessageLockLost' })]);
  });

  it('close waits for in-flight handlers and their settlement', async () => {
    await setup();
    const started = collect(1);
    const release = deferred();
    let finished = false;
    const processor = broker.createProcessor(
      'jobs',
      async (m) => {
        started.record(m);
        await release.promise;
        finished = true;
      },
      options,
    );
    await broker.send('jobs', [{ body: 1 }, { body: 2 }]);
    await started.done;
    const closing = processor.close();
    release.resolve();
    await closing;
    expect(finished).toBe(true);
    expect(broker.stats()[0]).toMatchObject({ active: 1, locked: 0 });
  });

  it('refuses bad options', async () => {
    await setup();
    const handler = async () => undefined;
    expect(() => broker.createProcessor('jobs', handler, { ...options, maxConcurrentCalls: 0 })).toThrow(
      'maxConcurrentCalls must be a positive integer',
    );
    expect(() => broker.createProcessor('jobs', handler, { ...options, maxAutoLockRenewalDurationMs: -1 })).toThrow(
      'maxAutoLockRenewalDurationMs must be 0 or more',
    );
    expect(() => broker.createProcessor('nope', handler, options)).toThrow("'nope' could not be found");
  });
});
