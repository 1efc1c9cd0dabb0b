import type { ServiceBusBroker } from '../../../servicebus/index.js';
import { defineExtension } from '../shared/extension.js';
import { parseServiceBusOptions } from './options.js';
import { serviceBusOutputAdapter } from './output.js';
import { serviceBusTriggerAdapter } from './trigger.js';

/** Service Bus: `serviceBusTrigger` and the `serviceBus` output, on the stack's broker (the `serviceBus` service). */
export const serviceBusExtension = defineExtension({
  name: 'serviceBus',
  bindingTypes: ['serviceBusTrigger', 'serviceBus'],
  connectionForms: [
    '<connection> = the emulator connection string (Endpoint=sb://localhost;…;UseDevelopmentEmulator=true;)',
  ],
  services: ['serviceBus'],
  parseOptions: parseServiceBusOptions,
  start({ options, service, log }) {
    if (options.notEmulated.length > 0) {
      log({
        level: 'warning',
        category: 'Host.General',
        message: `host.json 'extensions.serviceBus': ${options.notEmulated.join(', ')} ha${options.notEmulated.length > 1 ? 've' : 's'} no effect on the local broker.`,
      });
    }
    const broker = service<ServiceBusBroker>('serviceBus');
    return { bindings: [serviceBusTriggerAdapter(broker, options), serviceBusOutputAdapter(broker)] };
  },
});
