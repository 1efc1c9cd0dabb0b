import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { DeployError } from './deployError.js';

/**
 * The Service Bus topology file in the official emulator's Config.json shape, which the local broker reads too.
 * Missing properties take the emulator's defaults, so Azure gets the same values the local broker runs with.
 */
const ISO_DURATION = /^P(?=\d|T\d)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$/;
const duration = z.string().regex(ISO_DURATION, 'expected an ISO-8601 duration such as PT1M');
const entityName = z.string().regex(/^[A-Za-z0-9]$|^[A-Za-z0-9][\w.\-/]*[A-Za-z0-9]$/, 'not a valid entity name');
const forwardTarget = z.string().default('');

const subscriptionSchema = z.object({
  Name: entityName,
  Properties: z
    .object({
      DeadLetteringOnMessageExpiration: z.boolean().default(false),
      DefaultMessageTimeToLive: duration.default('PT1H'),
      LockDuration: duration.default('PT1M'),
      MaxDeliveryCount: z.number().int().min(1).max(2000).default(3),
      ForwardDeadLetteredMessagesTo: forwardTarget,
      ForwardTo: forwardTarget,
      RequiresSession: z.boolean().default(false),
    })
    .prefault({}),
  Rules: z.array(z.unknown()).default([]),
});

const topicSchema = z.object({
  Name: entityName,
  Properties: z
    .object({
      DefaultMessageTimeToLive: duration.default('PT1H'),
      DuplicateDetectionHistoryTimeWindow: duration.default('PT20S'),
      RequiresDuplicateDetection: z.boolean().default(false),
    })
    .prefault({}),
  Subscriptions: z.array(subscriptionSchema).min(1, 'a topic needs at least one subscription'),
});

const configSchema = z.object({
  UserConfig: z.object({
    Namespaces: z
      .array(
        z.object({
          Name: z.string(),
          Queues: z.array(z.unknown()),
          Topics: z.array(topicSchema),
        }),
      )
      .length(1, 'exactly one namespace is supported, as in the emulator'),
  }),
});

export type TopicSpec = z.infer<typeof topicSchema>;
export type SubscriptionSpec = z.infer<typeof subscriptionSchema>;
export type Topology = { topics: TopicSpec[] };

export async function loadTopology(file: string): Promise<Topology> {
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, 'utf8'));
  } catch (error) {
    throw new DeployError(`Cannot read the Service Bus topology ${file}: ${(error as Error).message}`);
  }
  return parseTopology(raw, file);
}

export function parseTopology(raw: unknown, file: string): Topology {
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new DeployError(`The Service Bus topology ${file} is not valid:\n  ${problems.join('\n  ')}`);
  }
  const namespace = parsed.data.UserConfig.Namespaces[0];
  if (!namespace) throw new DeployError(`The Service Bus topology ${file} has no namespace`);
  // The app uses one topic; queues and filter rules have no role assignments or bindings here, so refuse them
  // rather than deploy something half-configured.
  if (namespace.Queues.length > 0) {
    throw new DeployError(`${file}: Queues are not deployed by infra/ (the app uses topics only)`);
  }
  for (const topic of namespace.Topics) {
    for (const subscription of topic.Subscriptions) {
      if (subscription.Rules.length > 0) {
        throw new DeployError(
          `${file}: subscription ${topic.Name}/${subscription.Name} has Rules, which infra/ does not deploy`,
          'Remove the rules or add them with `az servicebus topic subscription rule create`.',
        );
      }
    }
  }
  return { topics: namespace.Topics };
}

/** `az servicebus topic create` flags for every property the topology file can hold. */
export function topicPropertyArgs(topic: TopicSpec): string[] {
  const p = topic.Properties;
  return [
    '--default-message-time-to-live',
    p.DefaultMessageTimeToLive,
    '--enable-duplicate-detection',
    String(p.RequiresDuplicateDetection),
    '--duplicate-detection-history-time-window',
    p.DuplicateDetectionHistoryTimeWindow,
  ];
}

/** `az servicebus topic subscription create` flags for every property the topology file can hold. */
export function subscriptionPropertyArgs(subscription: SubscriptionSpec): string[] {
  const p = subscription.Properties;
  const args = [
    '--max-delivery-count',
    String(p.MaxDeliveryCount),
    '--lock-duration',
    p.LockDuration,
    '--default-message-time-to-live',
    p.DefaultMessageTimeToLive,
    '--enable-dead-lettering-on-message-expiration',
    String(p.DeadLetteringOnMessageExpiration),
    '--enable-session',
    String(p.RequiresSession),
  ];
  // Empty means "no forwarding"; leaving the flag out of the PUT leaves forwarding off.
  if (p.ForwardTo) args.push('--forward-to', p.ForwardTo);
  if (p.ForwardDeadLetteredMessagesTo)
    args.push('--forward-dead-lettered-messages-to', p.ForwardDeadLetteredMessagesTo);
  return args;
}
