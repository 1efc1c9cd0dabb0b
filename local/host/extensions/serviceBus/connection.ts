import { parseServiceBusConnectionString } from '../../../servicebus/index.js';
import type { BindingInfo } from '../../core/functionIndex.js';

/**
 * Checks a Service Bus binding's `connection` the way the extension resolves it (`connection` → that setting or
 * `AzureWebJobs<connection>`, empty → `AzureWebJobsServiceBus`) and accepts only the emulator connection string,
 * which selects the embedded broker.
 */
export function checkServiceBusConnection(
  binding: BindingInfo,
  functionName: string,
  setting: (name: string) => string | undefined,
): void {
  const name = typeof binding.connection === 'string' && binding.connection !== '' ? binding.connection : 'ServiceBus';
  const value = setting(name) ?? setting(`AzureWebJobs${name}`);
  const where = `Function '${functionName}', binding '${binding.name}'`;
  if (value === undefined) {
    if (setting(`${name}__fullyQualifiedNamespace`) !== undefined) {
      throw new Error(
        `${where}: identity-based Service Bus connections ('${name}__fullyQualifiedNamespace') point at a real namespace, which the local stack does not serve. Set '${name}' to the emulator connection string.`,
      );
    }
    throw new Error(`${where}: the Service Bus connection setting '${name}' is not defined in the app settings.`);
  }
  try {
    parseServiceBusConnectionString(value);
  } catch (error) {
    throw new Error(`${where}: setting '${name}': ${(error as Error).message}`);
  }
}
