import { ServiceBusError, type ServiceBusBroker } from '../../../servicebus/index.js';
import { retryingListener } from '../shared/retryingListener.js';
import { resolveAppSettingTokens } from '../../core/bindingExpressions.js';
import type { BindingInfo, FunctionInfo } from '../../core/functionIndex.js';
import type { BindingAdapter, TriggerHost, TriggerListener } from '../shared/bindingAdapter.js';
import { checkServiceBusConnection } from './connection.js';
import type { ServiceBusOptions } from './options.js';
import { textOf } from '../../codec/index.js';
import { bindingContract, toBindingData, toTriggerMetadata, triggerDetails } from './message.js';
import { messageTraceContext } from '../../../telemetry/index.js';

function entityPath(trigger: BindingInfo, functionName: string, setting: (name: string) => string | undefined): string {
  const text = (key: string): string | undefined =>
    typeof trigger[key] === 'string' && trigger[key] !== ''
      ? resolveAppSettingTokens(trigger[key], setting)
      : undefined;
  const queue = text('queueName');
  const topic = text('topicName');
  const subscription = text('subscriptionName');
  if (queue && !topic) return queue;
  if (topic && subscription && !queue) return `${topic}/Subscriptions/${subscription}`;
  throw new Error(
    `Function '${functionName}': a serviceBusTrigger needs either queueName, or topicName and subscriptionName.`,
  );
}

/** Starts the broker's processor for `fn` on `path`; throws naming the function and the entity when it cannot. */
function processorFor(
  broker: ServiceBusBroker,
  fn: FunctionInfo,
  host: TriggerHost,
  path: string,
  options: ServiceBusOptions & { autoCompleteMessages: boolean },
): TriggerListener {
  try {
    return broker.createProcessor(
      path,
      async (message, delivery) => {
        // Under the broker's delivery attempt, else the trace the message carries (as the SDK's processor).
        const carried = delivery ? undefined : messageTraceContext(message.applicationProperties);
        const contract = bindingContract(message);
        const result = await host.invoke(fn.name, {
          parent: delivery ?? carried?.traceParent,
          traceState: carried?.traceState,
          triggerData: { string: textOf(message.body) },
          triggerMetadata: toTriggerMetadata(message, contract),
          bindingData: toBindingData(message, contract),
          reason: '(null)',
          details: triggerDetails(message),
        });
        // A failed invocation makes the processor abandon the message (redelivery, then the DLQ).
        if (!result.succeeded) throw result.error;
      },
      {
        maxConcurrentCalls: options.maxConcurrentCalls,
        autoCompleteMessages: options.autoCompleteMessages,
        maxAutoLockRenewalDurationMs: options.maxAutoLockRenewalDurationMs,
        onError: (error, message) =>
          host.log({
            level: 'warning',
            category: `Function.${fn.name}`,
            message: `Settling message ${message.messageId} failed: ${(error as Error).message ?? String(error)}`,
          }),
      },
    );
  } catch (error) {
    throw new Error(`Function '${fn.name}': cannot listen on '${path}': ${(error as Error).message}`, {
      cause: error,
    });
  }
}

/** `serviceBusTrigger` on the embedded broker: peek-lock processing with the host.json extensions.serviceBus options. */
export function serviceBusTriggerAdapter(broker: ServiceBusBroker, options: ServiceBusOptions): BindingAdapter {
  return {
    type: 'serviceBusTrigger',
    async startTrigger(fn, host) {
      const trigger = fn.trigger;
      checkServiceBusConnection(trigger, fn.name, host.setting);
      if (trigger.isSessionsEnabled === true) {
        throw new Error(
          `Function '${fn.name}': session-enabled Service Bus triggers are not supported by the local host.`,
        );
      }
      if (trigger.cardinality === 'many') {
        throw new Error(`Function '${fn.name}': cardinality 'many' (batches) is not supported by the local host.`);
      }
      const path = entityPath(trigger, fn.name, host.setting);
      const autoComplete =
        typeof trigger.autoCompleteMessages === 'boolean' ? trigger.autoCompleteMessages : options.autoCompleteMessages;
      const listen = () => processorFor(broker, fn, host, path, { ...options, autoCompleteMessages: autoComplete });
      try {
        return listen();
      } catch (error) {
        // As in Azure, an entity that does not exist (yet) fails this listener only, retried in the background.
        const cause = (error as Error).cause;
        if (cause instanceof ServiceBusError && cause.code === 'MessagingEntityNotFound') {
          return retryingListener(fn.name, error, listen, host);
        }
        throw error;
      }
    },
  };
}
