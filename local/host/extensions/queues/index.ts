import type { QueueClient } from '@azure/storage-queue';
import { resolveAppSettingTokens } from '../../core/bindingExpressions.js';
import type { BindingInfo } from '../../core/functionIndex.js';
import { collectorItems } from '../shared/collectorItems.js';
import { defineExtension } from '../shared/extension.js';
import {
  STORAGE_CONNECTION_FORMS,
  STORAGE_SERVICE,
  storageAccount,
  type StorageEmulator,
} from '../shared/storageAccount.js';
import { QueueListener } from './listener.js';
import { encodeMessage, sendCreatingQueue, toBindingData, toTriggerMetadata, triggerDetails } from './message.js';
import { parseQueuesOptions } from './options.js';

const QUEUE_NAME = /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/;

/** The queue a binding names (`queueName`, `%Setting%` resolved), checked against Azure's naming rules. */
export function queueNameOf(
  binding: BindingInfo,
  functionName: string,
  setting: (n: string) => string | undefined,
): string {
  const raw = typeof binding.queueName === 'string' ? resolveAppSettingTokens(binding.queueName, setting) : '';
  if (!QUEUE_NAME.test(raw)) {
    throw new Error(
      `Function '${functionName}', binding '${binding.name}': '${raw}' is not a valid queue name (3-63 lower-case letters, digits and single dashes, starting and ending with a letter or digit).`,
    );
  }
  return raw;
}

/** `<queue>-poison`, unless the queue is a poison queue itself or the name would be too long. */
function poisonQueueName(name: string): string | undefined {
  return name.endsWith('-poison') || name.length + 7 > 63 ? undefined : `${name}-poison`;
}

/** Storage queues: `queueTrigger` and the `queue` output, on Azurite's queue service (the `storage` service). */
export const queuesExtension = defineExtension({
  name: 'queues',
  bindingTypes: ['queueTrigger', 'queue'],
  connectionForms: STORAGE_CONNECTION_FORMS,
  services: [STORAGE_SERVICE],
  parseOptions: parseQueuesOptions,
  start({ options, service, clock }) {
    const emulator = service<StorageEmulator>(STORAGE_SERVICE);
    // Listeners by queue URL: a message this host adds wakes the listener of that queue at once.
    const listeners = new Map<string, Set<QueueListener>>();
    const wake = (queue: QueueClient) => listeners.get(queue.url)?.forEach((l) => l.notify());
    return {
      bindings: [
        {
          type: 'queueTrigger',
          async startTrigger(fn, host) {
            const where = `Function '${fn.name}'`;
            const name = queueNameOf(fn.trigger, fn.name, host.setting);
            const service = storageAccount(fn.trigger.connection, host.setting, emulator, where).queues();
            const queue = service.getQueueClient(name);
            const poisonName = poisonQueueName(name);
            const poison = poisonName === undefined ? undefined : service.getQueueClient(poisonName);
            const listener = new QueueListener({
              category: `Function.${fn.name}`,
              log: host.log,
              queue,
              poison,
              options,
              clock,
              handle: async (message, text) => {
                const result = await host.invoke(fn.name, {
                  triggerData: { string: text },
                  triggerMetadata: toTriggerMetadata(message, text),
                  bindingData: toBindingData(message, text),
                  reason: `New queue message detected on '${name}'.`,
                  details: triggerDetails(message),
                });
                return result.succeeded;
              },
            });
            const group = listeners.get(queue.url) ?? new Set();
            listeners.set(queue.url, group.add(listener));
            listener.start();
            return {
              close: async () => {
                group.delete(listener);
                await listener.close();
              },
            };
          },
          // An admin run's input is the message text, with no queue metadata (no message was received).
          adminInvocation: async (_fn, input) => ({
            triggerData: { string: input },
            bindingData: { QueueTrigger: input },
          }),
        },
        {
          type: 'queue',
          async applyOutput(binding, value, ctx) {
            const where = `Function '${ctx.functionName}'`;
            const name = queueNameOf(binding, ctx.functionName, ctx.setting);
            const queue = storageAccount(binding.connection, ctx.setting, emulator, where)
              .queues()
              .getQueueClient(name);
            const messages = collectorItems(value, 'queue').map((item) => encodeMessage(item, options.messageEncoding));
            for (const message of messages) await sendCreatingQueue(queue, message);
            wake(queue);
          },
        },
      ],
    };
  },
});
