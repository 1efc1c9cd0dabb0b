import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../local/host/index.js';
import { retryingListener } from '../../local/host/extensions/shared/retryingListener.js';
import { ManualClock } from '../../local/shared/clock.js';

function setUp(failures: number) {
  const clock = new ManualClock();
  const log: LogEntry[] = [];
  let attempts = 0;
  let closed = 0;
  const start = () => {
    attempts++;
    if (attempts <= failures) throw new Error(`not there yet (${attempts})`);
    return { close: async () => void closed++ };
  };
  // The longest back-off every time, so each attempt's moment is known.
  const deps = { clock, log: (e: LogEntry) => log.push(e), random: () => 1 };
  const listener = retryingListener('watch', new Error('not there yet (0)'), start, deps);
  return { clock, log, listener, attempts: () => attempts, closed: () => closed };
}

describe('a listener that could not start', () => {
  it("logs the failure, retries after 2 s to 2 min, doubling the back-off's ceiling, and says when it started", async () => {
    const { clock, log, listener, attempts, closed } = setUp(3);
    expect(log[0]).toEqual({
      level: 'error',
      category: 'Host.Startup',
      message: "The listener for function 'Functions.watch' was unable to start. not there yet (0)",
    });
    clock.advance(1_999);
    expect(attempts()).toBe(0);
    clock.advance(1); // 2 s after the failure
    expect(attempts()).toBe(1);
    clock.advance(4_000); // then at most 4 s, 8 s, 16 s, … later
    expect(attempts()).toBe(2);
    clock.advance(8_000);
    expect(attempts()).toBe(3);
    clock.advance(16_000);
    expect(attempts()).toBe(4);
    expect(log.map((e) => e.message).slice(1)).toEqual([
      "Retrying to start listener for function 'Functions.watch' (Attempt 1)",
      "The listener for function 'Functions.watch' was unable to start. not there yet (1)",
      "Retrying to start listener for function 'Functions.watch' (Attempt 2)",
      "The listener for function 'Functions.watch' was unable to start. not there yet (2)",
      "Retrying to start listener for function 'Functions.watch' (Attempt 3)",
      "The listener for function 'Functions.watch' was unable to start. not there yet (3)",
      "Retrying to start listener for function 'Functions.watch' (Attempt 4)",
      "Listener successfully started for function 'Functions.watch' after 4 retries.",
    ]);
    expect(clock.pendingTimers).toBe(0);
    await listener.close();
    expect(closed()).toBe(1);
  });

  it('never waits more than 2 min between attempts', () => {
    const { clock, attempts } = setUp(100);
    clock.advance(2_000 + 4_000 + 8_000 + 16_000 + 32_000 + 64_000); // six attempts, the next ceiling is 2 min
    expect(attempts()).toBe(6);
    for (let i = 1; i <= 5; i++) {
      clock.advance(119_999);
      expect(attempts()).toBe(5 + i);
      clock.advance(1);
      expect(attempts()).toBe(6 + i);
    }
  });

  it('stops retrying once closed', async () => {
    const { clock, listener, attempts, closed } = setUp(100);
    await listener.close();
    clock.advance(600_000);
    expect(attempts()).toBe(0);
    expect(closed()).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });
});
