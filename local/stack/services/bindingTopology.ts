import type { FunctionInfo } from '../../host/index.js';
import { parseTopology, type QueueConfig, type TopicConfig, type Topology } from '../../servicebus/index.js';

/** The official emulator's default properties, as the broker's own parser fills them in for bare names. */
function emulatorDefaults() {
  const { queues, topics } = parseTopology({
    UserConfig: {
      Namespaces: [
        { Name: 'defaults', Queues: [{ Name: 'q' }], Topics: [{ Name: 't', Subscriptions: [{ Name: 's' }] }] },
      ],
    },
  });
  return { queue: queues[0]!, topic: topics[0]!, subscription: topics[0]!.subscriptions[0]! };
}

/** `%Setting%` in an entity name, resolved as the Service Bus extension resolves it. */
function resolved(value: unknown, setting: (name: string) => string | undefined): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  return value.replace(/%([^%]+)%/g, (whole, name: string) => setting(name) ?? whole);
}

/**
 * For an app that has Service Bus bindings but no servicebus.config.json: the queues, topics and subscriptions
 * those bindings name, with the emulator's default properties. Azure and the official emulator need entities
 * declared beforehand; the stack says so when it uses this, so the app still runs meanwhile.
 */
export function topologyFromBindings(
  functions: readonly FunctionInfo[],
  setting: (name: string) => string | undefined,
): { topology: Topology; summary: string } {
  const defaults = emulatorDefaults();
  const queues = new Map<string, QueueConfig>();
  const topics = new Map<string, TopicConfig>();
  for (const binding of functions.flatMap((fn) => (fn.disabled ? [] : fn.bindings))) {
    if (!/^serviceBus(Trigger)?$/i.test(binding.type)) continue;
    const queue = resolved(binding.queueName, setting);
    const topic = resolved(binding.topicName, setting);
    if (queue && !queues.has(queue.toLowerCase())) queues.set(queue.toLowerCase(), { ...defaults.queue, name: queue });
    if (!topic) continue;
    if (!topics.has(topic.toLowerCase()))
      topics.set(topic.toLowerCase(), { ...defaults.topic, name: topic, subscriptions: [] });
    const subscription = resolved(binding.subscriptionName, setting)?.replace(/\/\$DeadLetterQueue$/i, '');
    const entry = topics.get(topic.toLowerCase())!;
    if (subscription && !entry.subscriptions.some((s) => s.name.toLowerCase() === subscription.toLowerCase())) {
      entry.subscriptions.push({ ...defaults.subscription, name: subscription });
    }
  }
  const parts = [
    ...[...queues.values()].map((q) => `queue '${q.name}'`),
    ...[...topics.values()].map(
      (t) => `topic '${t.name}'${t.subscriptions.map((s) => ` with subscription '${s.name}'`).join(',')}`,
    ),
  ];
  return {
    topology: { queues: [...queues.values()], topics: [...topics.values()] },
    summary: parts.length > 0 ? parts.join('; ') : 'no entities',
  };
}
