import { readFileSync } from 'node:fs';
import {
  runningServices,
  startFunctionsHost,
  type FunctionsHost,
  type FunctionsHostOptions,
} from '../../local/host/index.js';
import { parseTopology, ServiceBusBroker } from '../../local/servicebus/index.js';

/** The repository's servicebus.config.json: the queues, topics and subscriptions the app's bindings name. */
export const appTopology = parseTopology(
  JSON.parse(readFileSync(new URL('../../servicebus.config.json', import.meta.url), 'utf8')),
  'servicebus.config.json',
);

/** The Service Bus emulator's sample connection string, which selects the embedded broker. */
export const EMULATOR_CONNECTION =
  'Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;';

/**
 * Opens an in-memory broker with the app's topology and starts a host on a free port whose ServiceBusConnection
 * reaches it. The caller closes both, the host first.
 */
export async function startHostWithBroker(
  options: Omit<FunctionsHostOptions, 'port' | 'env' | 'settingsOverrides' | 'services'>,
): Promise<{ broker: ServiceBusBroker; host: FunctionsHost }> {
  const broker = await ServiceBusBroker.open({ topology: appTopology, inMemory: true });
  try {
    const host = await startFunctionsHost({
      port: 0,
      env: {},
      settingsOverrides: { ServiceBusConnection: EMULATOR_CONNECTION },
      services: runningServices({ serviceBus: broker }),
      ...options,
    });
    return { broker, host };
  } catch (error) {
    await broker.close();
    throw error;
  }
}
