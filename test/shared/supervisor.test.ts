import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../local/shared/clock.js';
import { Supervisor, type BackoffPolicy, type ExitReason, type Supervised } from '../../local/shared/supervisor.js';

/** A process stand-in the test ends at will: the supervisor, not the process, is under test. */
class Instance implements Supervised {
  readonly exited: Promise<ExitReason>;
  stops = 0;
  #end!: (reason: ExitReason) => void;

  constructor(readonly id: number) {
    this.exited = new Promise((resolve) => (this.#end = resolve));
  }

  die(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    this.#end({ code: null, signal });
    return settle();
  }

  async stop(): Promise<void> {
    this.stops++;
    this.#end({ code: 0, signal: null });
  }
}

/** Lets promise callbacks (the supervisor noticing an exit, a start resolving) run. */
const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

type Event = [name: string, detail: unknown];

/** A supervisor whose spawns are scripted: `failures` next starts throw; a `gate` holds them until it opens. */
function supervised(backoff: Partial<BackoffPolicy> = {}) {
  const clock = new ManualClock();
  const instances: Instance[] = [];
  const script: { failures: number; gate?: Promise<void> } = { failures: 0 };
  const supervisor = new Supervisor<Instance>(
    async () => {
      await script.gate;
      if (script.failures > 0) {
        script.failures--;
        throw new Error('port in use');
      }
      const instance = new Instance(instances.length + 1);
      instances.push(instance);
      return instance;
    },
    {
      clock,
      backoff: { initialDelayMs: 100, factor: 2, maxDelayMs: 300, maxRestarts: 3, healthyAfterMs: 10_000, ...backoff },
    },
  );
  const events: Event[] = [];
  supervisor.on('exit', (reason) => events.push(['exit', reason.signal ?? reason.code]));
  supervisor.on('restarting', ({ attempt, delayMs }) => events.push(['restarting', { attempt, delayMs }]));
  supervisor.on('restarted', (instance) => events.push(['restarted', instance.id]));
  supervisor.on('giveUp', ({ attempts, cause }) => events.push(['giveUp', { attempts, cause: cause.message }]));
  /** Moves time on by `ms` and lets the restart that falls due finish starting. */
  const advance = async (ms: number) => {
    clock.advance(ms);
    await settle();
  };
  return { supervisor, instances, script, events, clock, advance };
}

describe('Supervisor', () => {
  it('restarts a process that died, after the initial delay, and counts the restart', async () => {
    const { supervisor, instances, events, advance } = supervised();
    await supervisor.start();
    await instances[0]!.die();
    expect(supervisor.state).toBe('restarting');
    expect(supervisor.current).toBeUndefined();
    await advance(99);
    expect(instances).toHaveLength(1);
    await advance(1);
    expect(instances).toHaveLength(2);
    expect(supervisor.current).toBe(instances[1]);
    expect(supervisor.state).toBe('running');
    expect(supervisor.restarts).toBe(1);
    expect(events).toEqual([
      ['exit', 'SIGKILL'],
      ['restarting', { attempt: 1, delayMs: 100 }],
      ['restarted', 2],
    ]);
  });

  it('backs off while restarts keep failing, then gives up loudly after maxRestarts', async () => {
    const { supervisor, instances, script, events, advance } = supervised();
    await supervisor.start();
    script.failures = 10;
    await instances[0]!.die();
    await advance(100); // attempt 1 fails
    await advance(200); // attempt 2 fails
    await advance(300); // attempt 3 fails (capped at maxDelayMs)
    expect(supervisor.state).toBe('failed');
    expect(events).toEqual([
      ['exit', 'SIGKILL'],
      ['restarting', { attempt: 1, delayMs: 100 }],
      ['restarting', { attempt: 2, delayMs: 200 }],
      ['restarting', { attempt: 3, delayMs: 300 }],
      ['giveUp', { attempts: 3, cause: 'port in use' }],
    ]);
    await advance(60_000);
    expect(instances).toHaveLength(1); // nothing more is tried
  });

  it('counts a replacement that dies young as a failure, and starts afresh after a healthy run', async () => {
    const { supervisor, instances, events, advance } = supervised();
    await supervisor.start();
    await instances[0]!.die();
    await advance(100); // instance 2 up
    await instances[1]!.die(); // at once: attempt 2
    await advance(200); // instance 3 up
    await advance(10_000); // healthy for long enough
    await instances[2]!.die();
    await advance(100); // attempt 1 again, at the initial delay
    expect(events.filter(([name]) => name === 'restarting')).toEqual([
      ['restarting', { attempt: 1, delayMs: 100 }],
      ['restarting', { attempt: 2, delayMs: 200 }],
      ['restarting', { attempt: 1, delayMs: 100 }],
    ]);
    expect(supervisor.current).toBe(instances[3]);
  });

  it('restarts nothing once stopped, and stops a process that was starting meanwhile', async () => {
    const { supervisor, instances, advance } = supervised();
    await supervisor.start();
    await supervisor.stop();
    expect(instances[0]!.stops).toBe(1);
    expect(supervisor.state).toBe('stopped');
    await advance(60_000);
    expect(instances).toHaveLength(1);

    const second = supervised();
    await second.supervisor.start();
    await second.instances[0]!.die();
    await second.supervisor.stop(); // during the back-off
    await second.advance(60_000);
    expect(second.instances).toHaveLength(1);

    const third = supervised();
    await third.supervisor.start();
    let open!: () => void;
    third.script.gate = new Promise((resolve) => (open = resolve));
    await third.instances[0]!.die();
    await third.advance(100); // the restart is under way, held at the gate
    const stopped = third.supervisor.stop();
    open();
    await stopped;
    expect(third.instances).toHaveLength(2);
    expect(third.instances[1]!.stops).toBeGreaterThan(0);
    expect(third.supervisor.current).toBeUndefined();
    expect(third.supervisor.state).toBe('stopped');
  });

  it('throws the first start’s failure to the caller instead of retrying it', async () => {
    const { supervisor, script, events } = supervised();
    script.failures = 1;
    await expect(supervisor.start()).rejects.toThrow('port in use');
    expect(events).toEqual([]);
  });
});
