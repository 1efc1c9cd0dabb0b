import { expect } from 'vitest';
import { READ_TIMEOUT_MS, WRITE_TIMEOUT_MS } from '../../infra/core/az.js';
import { PUBLISH_TIMEOUT_MS } from '../../infra/publish/functionCode.js';
import { commandOf, isReadOnly, type DeployRun } from './fakeAz.js';

export const STATIC_ORIGIN = 'https://ordernotifst.z1.web.core.windows.net';
export const LOCAL_ORIGIN = 'http://localhost:5173';

export function callsOf(calls: string[][], command: string): string[][] {
  return calls.filter((args) => commandOf(args) === command);
}

export function only(calls: string[][], command: string): string[] {
  const found = callsOf(calls, command);
  expect(found, command).toHaveLength(1);
  return found[0]!;
}

export function writes(run: DeployRun): string[][] {
  return run.calls.filter((args) => !isReadOnly(args));
}

/**
 * Every `az` call was started with a bound, none longer than the longest the deployment uses, and the time the
 * run spent waiting stayed within `maxWaitMs` (sleeps between probes plus bounds that expired).
 */
export function expectBounded(run: DeployRun, maxWaitMs: number): void {
  expect(run.bounds).toHaveLength(run.calls.length);
  const longest = Math.max(READ_TIMEOUT_MS, WRITE_TIMEOUT_MS, PUBLISH_TIMEOUT_MS);
  for (const bound of run.bounds) {
    expect(Number.isFinite(bound)).toBe(true);
    expect(bound).toBeGreaterThan(0);
    expect(bound).toBeLessThanOrEqual(longest);
  }
  expect(run.waitedMs).toBeLessThanOrEqual(maxWaitMs);
}
