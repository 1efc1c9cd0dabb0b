import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runningServices, startFunctionsHost, type FunctionsHost, type LogEntry } from '../../local/host/index.js';
import { ManualClock } from '../../local/shared/clock.js';
import { emulatorConnectionString } from '../../local/storage/blobQueue.js';
import { useStorageEmulator } from '../support/azurite.js';
import { advanceUntil } from './helpers/advanceUntil.js';
import { CaptureLogger, reported } from './helpers/captureLogger.js';
import { copyFixture, type FixtureApp } from './helpers/fixtureApp.js';

type Timer = { isPastDue: boolean; schedule: { adjustForDST: boolean }; scheduleStatus: Record<string, string> | null };

const storage = useStorageEmulator();
const logger = new CaptureLogger();
// Saturday 7 March 2026, 09:00 in New York (EST, UTC-5); daylight saving time starts there the next night.
const T0 = Date.UTC(2026, 2, 7, 14, 0, 0);
let app: FixtureApp;
let host: FunctionsHost | undefined;

function start(clock: ManualClock, timeZone: string): Promise<FunctionsHost> {
  return startFunctionsHost({
    appDir: app.dir,
    port: 0,
    env: { WEBSITE_TIME_ZONE: timeZone },
    logger,
    clock,
    services: runningServices({ storage: storage() }),
  });
}

/** The occurrences the host announced for `name` at its start (entries from `from` on). */
function announced(name: string, from: number): { description: string; times: string[] } {
  const prefix = `The next 5 occurrences of the '${name}' schedule (`;
  const entry = logger.entries.slice(from).find((e) => e.message.startsWith(prefix));
  if (!entry) throw new Error(`No occurrences were announced for ${name}.`);
  const [first, ...times] = entry.message.split('\n');
  return { description: first!.slice(prefix.length, first!.indexOf(') will be:')), times };
}

/** When each run of `name` fired, by the host's clock, from its `Executing` lines. */
function firedAt(name: string, from: number): { at: string; details?: string }[] {
  const executing = (e: LogEntry) => e.message.startsWith(`Executing 'Functions.${name}'`);
  const entries = logger.entries.slice(from);
  return entries.filter(executing).map((e) => {
    const details = entries[entries.indexOf(e) + 1]?.message;
    return {
      at: /Reason='Timer fired at ([^']+)'/.exec(e.message)![1]!,
      ...(details?.startsWith('Trigger Details') ? { details } : {}),
    };
  });
}

const ranTimes = (name: string, from: number, count: number) =>
  new Promise<void>((resolve) => {
    const check = () => reported(logger, name, from).length >= count && (resolve(), true);
    if (!check()) void logger.next(() => check()).then(() => resolve());
  });

beforeAll(async () => {
  app = copyFixture('timer-schedules-app', {
    IsEncrypted: false,
    Values: { AzureWebJobsStorage: 'UseDevelopmentStorage=true', AzureFunctionsWebHost__hostid: 'timer-schedules' },
  });
});

afterAll(async () => {
  await host?.close();
  app?.remove();
});

describe('timer schedules', () => {
  const clock = new ManualClock(T0);
  let firstStart = 0;
  let secondStart = 0;

  it('runs a TimeSpan schedule ("00:00:05") at its constant interval, with no status and no DST adjustment', async () => {
    firstStart = logger.entries.length;
    host = await start(clock, 'America/New_York');
    expect(announced('every5s', firstStart)).toEqual({
      description: 'Constant: 00:00:05',
      times: ['05', '10', '15', '20', '25'].map((s) => `2026-03-07T09:00:${s}-05:00`),
    });
    await advanceUntil(clock, ranTimes('every5s', firstStart, 2), 1000);
    const [first, second] = firedAt('every5s', firstStart);
    expect(first).toEqual({ at: '2026-03-07T09:00:05-05:00' });
    expect(Date.parse(second!.at) - Date.parse(first!.at)).toBeGreaterThanOrEqual(5000);
    // Occurrences less than a minute apart keep no schedule status, as in Azure.
    expect(reported<Timer>(logger, 'every5s', firstStart)[0]).toEqual({
      isPastDue: false,
      schedule: { adjustForDST: false },
      scheduleStatus: null,
    });
  });

  it('runs a runOnStartup timer once as the host starts, and again at the next start only', async () => {
    const runs = firedAt('onStartup', firstStart);
    expect(runs).toEqual([
      { at: '2026-03-07T09:00:00-05:00', details: 'Trigger Details: UnscheduledInvocationReason: RunOnStartup' },
    ]);
    expect(reported<Timer>(logger, 'onStartup', firstStart)).toMatchObject([{ isPastDue: false }]);
    await host!.close();

    // The same zone by its Windows id, as a Windows plan names it.
    secondStart = logger.entries.length;
    host = await start(clock, 'Eastern Standard Time');
    await advanceUntil(clock, ranTimes('onStartup', secondStart, 1), 1);
    expect(firedAt('onStartup', secondStart)).toHaveLength(1);
    expect(firedAt('onStartup', secondStart)[0]!.details).toMatch(/RunOnStartup/);
  });

  it('evaluates cron schedules in WEBSITE_TIME_ZONE, across its daylight saving change, by either name', async () => {
    const byWindowsId = announced('morning', secondStart);
    expect(byWindowsId).toEqual(announced('morning', firstStart));
    expect(byWindowsId).toEqual({
      description: "Cron: '0 30 9 * * *'",
      // 14:30 UTC on Saturday, 13:30 UTC from Sunday on: 09:30 in New York either way.
      times: [
        '07T09:30:00-05:00',
        '08T09:30:00-04:00',
        '09T09:30:00-04:00',
        '10T09:30:00-04:00',
        '11T09:30:00-04:00',
      ].map((t) => `2026-03-${t}`),
    });
    const from = logger.entries.length;
    clock.advance(Date.UTC(2026, 2, 7, 14, 30) - clock.now());
    await advanceUntil(clock, ranTimes('morning', from, 1), 1);
    expect(firedAt('morning', from)).toEqual([{ at: '2026-03-07T09:30:00-05:00' }]);
    expect(reported<Timer>(logger, 'morning', from)[0]).toMatchObject({
      isPastDue: false,
      schedule: { adjustForDST: true },
      scheduleStatus: { next: '2026-03-07T09:30:00-05:00' },
    });
    const status = BlobServiceClient.fromConnectionString(emulatorConnectionString(storage()))
      .getContainerClient('azure-webjobs-hosts')
      .getBlobClient('timers/timer-schedules/Host.Functions.morning/status');
    const saved = async () => {
      for (;;) {
        const next = JSON.parse((await status.downloadToBuffer()).toString()) as { Next: string };
        if (Date.parse(next.Next) > clock.now()) return next;
      }
    };
    expect(Date.parse((await saved()).Next)).toBe(Date.UTC(2026, 2, 8, 13, 30));
  });

  it('puts only the cron timers in error for a WEBSITE_TIME_ZONE that names no zone, and runs the TimeSpan one', async () => {
    await host!.close();
    const from = logger.entries.length;
    const badZone = new ManualClock(T0);
    host = await start(badZone, 'Mars/Olympus');
    const inError = logger.entries.slice(from).filter((e) => e.message.includes(' function is in error: '));
    const zone = /WEBSITE_TIME_ZONE 'Mars\/Olympus' is neither a tz database name .* nor a Windows time zone id/;
    expect(inError.map((e) => e.message.split(':')[0])).toEqual([
      "The 'morning' function is in error",
      "The 'onStartup' function is in error",
    ]);
    for (const entry of inError) expect(entry).toMatchObject({ level: 'error', message: expect.stringMatching(zone) });
    expect(host.isRunning()).toBe(true);
    expect(host.functions().map((f) => f.name)).toEqual(['every5s']);
    // Their listeners failed, so they stay listed, their status names why, and they cannot be invoked.
    const admin = (path: string, init: RequestInit = {}) =>
      fetch(`${host!.url}${path}`, { ...init, headers: { 'x-functions-key': host!.masterKey } });
    const list = (await (await admin('/admin/functions')).json()) as { name: string }[];
    expect(list.map((f) => f.name)).toEqual(['every5s', 'morning', 'onStartup']);
    expect(await (await admin('/admin/functions/morning/status')).json()).toEqual({
      errors: [expect.stringMatching(zone)],
    });
    expect((await admin('/admin/functions/morning', { method: 'POST', body: '{"input":""}' })).status).toBe(404);
    // A TimeSpan schedule reads no zone, as in Azure; its times are written in UTC, and a warning says so.
    expect(logger.entries.slice(from)).toContainEqual(
      expect.objectContaining({
        level: 'warning',
        message: expect.stringMatching(/^Function 'every5s': WEBSITE_TIME_ZONE 'Mars\/Olympus' .* written in UTC\.$/),
      }),
    );
    expect(announced('every5s', from).times[0]).toBe('2026-03-07T14:00:05+00:00');
    await advanceUntil(badZone, ranTimes('every5s', from, 1), 1000);
    expect(firedAt('every5s', from)[0]).toEqual({ at: '2026-03-07T14:00:05+00:00' });
  });
});
