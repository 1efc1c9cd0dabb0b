import * as z from 'zod';
import { resolveAppSettingTokens } from '../../core/bindingExpressions.js';
import type { FunctionInfo } from '../../core/functionIndex.js';
import { defineExtension } from '../shared/extension.js';
import { functionsHostId } from '../shared/hostId.js';
import { parseSection } from '../shared/hostJsonSection.js';
import { STORAGE_SERVICE, storageAccount, type StorageEmulator } from '../shared/storageAccount.js';
import { TimerListener, timerInfo } from './listener.js';
import { ScheduleMonitor } from './scheduleMonitor.js';
import { parseSchedule, timeZoneFrom } from './schedule.js';

function flagOf(value: unknown, fallback: boolean, what: string): boolean {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw new Error(`${what} must be true or false.`);
  return value;
}

const TIMESPAN_ZONE = 'Its TimeSpan schedule does not depend on the zone; its times are written in UTC.';

/**
 * `timerTrigger`: NCRONTAB schedules in `WEBSITE_TIME_ZONE` or TimeSpan ones (`%Setting%` resolved), `runOnStartup`,
 * and `useMonitor` with the schedule status in `azure-webjobs-hosts` of `AzureWebJobsStorage` (Azurite's blobs).
 */
export const timerExtension = defineExtension({
  name: 'timer',
  bindingTypes: ['timerTrigger'],
  connectionForms: [
    'AzureWebJobsStorage (schedule status, with useMonitor) = UseDevelopmentStorage=true, or Azurite endpoints',
  ],
  services: [STORAGE_SERVICE],
  // The timer extension has no host.json settings: any key here is a mistake worth stopping for.
  parseOptions: (section, where) => parseSection(z.strictObject({}), section, where),
  start({ service, clock }) {
    const emulator = service<StorageEmulator>(STORAGE_SERVICE);
    const listeners = new Map<string, TimerListener>();
    const describe = (fn: FunctionInfo, setting: (name: string) => string | undefined) => {
      const where = `Function '${fn.name}'`;
      const expression = typeof fn.trigger.schedule === 'string' ? fn.trigger.schedule : '';
      const zone = timeZoneFrom(setting);
      let schedule;
      try {
        schedule = parseSchedule(resolveAppSettingTokens(expression, setting), zone);
      } catch (error) {
        throw new Error(`${where}: ${(error as Error).message}`);
      }
      const useMonitor = flagOf(fn.trigger.useMonitor, true, `${where}: useMonitor`) && !schedule.subMinute;
      const monitor = useMonitor
        ? new ScheduleMonitor(
            storageAccount(undefined, setting, emulator, `${where} (timer schedule status)`).hostContainer(),
            functionsHostId(setting),
            `Host.Functions.${fn.name}`,
            schedule.timeZone,
          )
        : undefined;
      return {
        schedule,
        monitor,
        runOnStartup: flagOf(fn.trigger.runOnStartup, false, `${where}: runOnStartup`),
        // Only a TimeSpan schedule gets here with a zone the cron timers are in error for.
        zoneWarning: 'error' in zone ? `${where}: ${zone.error} ${TIMESPAN_ZONE}` : undefined,
      };
    };
    return {
      bindings: [
        {
          type: 'timerTrigger',
          async startTrigger(fn, host) {
            const { zoneWarning, ...timer } = describe(fn, host.setting);
            if (zoneWarning) host.log({ level: 'warning', category: 'Host.Triggers.Timer', message: zoneWarning });
            const listener = new TimerListener({ fn, host, clock, ...timer });
            await listener.start();
            listeners.set(fn.name, listener);
            return {
              close: async () => {
                listeners.delete(fn.name);
                await listener.close();
              },
            };
          },
          // A run asked for through the admin API gets the timer object with the status as it stands.
          async adminInvocation(fn, _input, setting) {
            const { schedule, monitor } = describe(fn, setting);
            const status = monitor ? ((await monitor.get()) ?? listeners.get(fn.name)?.status) : undefined;
            return { triggerData: { json: timerInfo(schedule, status, false) } };
          },
        },
      ],
    };
  },
});
