import type { FunctionInfo } from '../../host/index.js';
import {
  parseTopology,
  type AddedEntity,
  type QueueConfig,
  type TopicConfig,
  type Topology,
} from '../../servicebus/index.js';

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
): Topology {
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
  return { queues: [...queues.values()], topics: [...topics.values()] };
}

/** Every queue, topic and subscription of a topology, as the broker lists what it adds. */
export function entitiesOf(topology: Topology): AddedEntity[] {
  return [
    ...topology.queues.map((q) => ({ kind: 'queue' as const, path: q.name })),
    ...topology.topics.flatMap((t) => [
      { kind: 'topic' as const, path: t.name },
      ...t.subscriptions.map((s) => ({ kind: 'subscription' as const, path: `${t.name}/Subscriptions/${s.name}` })),
    ]),
  ];
}

/** `queue 'jobs'; topic 'events' with subscription 'audit'; subscription 'mail' of topic 'orders'`. */
export function describeEntities(entities: readonly AddedEntity[]): string {
  const topics = new Set(entities.filter((e) => e.kind === 'topic').map((e) => e.path));
  const parts: string[] = [];
  for (const { kind, path } of entities) {
    const [topic, subscription] = path.split('/Subscriptions/') as [string, string];
    if (kind === 'queue') parts.push(`queue '${path}'`);
    else if (kind === 'topic') parts.push(`topic '${path}'`);
    else if (!topics.has(topic)) parts.push(`subscription '${subscription}' of topic '${topic}'`);
    else
      parts[parts.length - 1] += `${parts.at(-1)!.includes(' with ') ? ',' : ''} with subscription '${subscription}'`;
  }
  return parts.length > 0 ? parts.join('; ') : 'no entities';
}
