import type { LocalStackOptions, StackContext } from './startLocalStack.js';
import { placeAzuriteService } from './services/azuriteService.js';
import { placeServiceBusService } from './services/serviceBusService.js';
import { placeSignalRService } from './services/signalRService.js';
import { StackServices } from './services/stackServices.js';

/**
 * Settles where each service will listen and with which keys — the app's settings name them before the app
 * loads — and starts none of them: `StackServices` does, once something shows the app needs it.
 */
export async function placeStackServices(
  context: StackContext,
  options: LocalStackOptions,
): Promise<StackServices & { stop(): Promise<void> }> {
  const { appDir, dataDir, inMemory, logger, telemetry, settings } = context;
  const log = (message: string, level: 'information' | 'warning' = 'information') =>
    logger.log({ level, category: 'Host.General', message });
  const azurite = await placeAzuriteService({
    tablePort: options.azuritePort,
    reuse: options.reuseAzurite,
    blobPort: options.blobPort,
    queuePort: options.queuePort,
    dataDir,
    inMemory,
    clock: options.clock,
    logger,
  });
  const serviceBus = await placeServiceBusService({
    appDir,
    dataDir,
    inMemory,
    port: options.servicebusPort,
    settingValues: Object.values(settings.configured),
    clock: options.clock,
    telemetry,
    log,
  });
  const signalR = await placeSignalRService({
    port: options.signalrPort,
    settings: settings.configured,
    dataDir,
    inMemory,
    hostUrl: context.hostUrl,
    corsOrigins: settings.local.corsOrigins,
    allowedHosts: options.allowedHosts,
    clock: options.clock,
    telemetry,
    log,
  });
  const services = new StackServices({ azurite, serviceBus, signalR }, { setting: context.setting, log });
  // In the reverse order of starting: what uses Azurite stops before it.
  const stop = async () => {
    await signalR.stop();
    await serviceBus.stop();
    await azurite.stop();
  };
  return Object.assign(services, { stop });
}
