import type { ServiceBusBroker } from '../../../servicebus/index.js';
import type { BindingAdapter } from '../shared/bindingAdapter.js';
import { checkServiceBusConnection } from './connection.js';
import { toOutputMessages } from './message.js';

/** The `serviceBus` output binding: the value's message(s) go to the queue or topic through the broker. */
export function serviceBusOutputAdapter(broker: ServiceBusBroker): BindingAdapter {
  return {
    type: 'serviceBus',
    async applyOutput(binding, value, ctx) {
      checkServiceBusConnection(binding, ctx.functionName, ctx.setting);
      const entity = typeof binding.queueName === 'string' && binding.queueName ? binding.queueName : binding.topicName;
      if (typeof entity !== 'string' || entity === '') {
        throw new Error(
          `Function '${ctx.functionName}': the serviceBus output binding '${binding.name}' needs a queueName or topicName.`,
        );
      }
      await broker.send(entity, toOutputMessages(value));
    },
  };
}
