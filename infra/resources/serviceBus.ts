import { readable, type DeployContext } from '../core/context.js';
import { DeployError } from '../core/deployError.js';
import { nameTaken } from './nameTaken.js';
import { applyOwnedDrift, ownedDrifts, type Owned } from './owned.js';
import { isoDuration, parseDuration, subscriptionPropertyArgs, topicPropertyArgs, type Topology } from './topology.js';

type Namespace = {
  sku?: { name?: string; tier?: string; capacity?: number | null };
  disableLocalAuth?: boolean | null;
  minimumTlsVersion?: string | null;
};
type Topic = {
  defaultMessageTimeToLive?: string;
  duplicateDetectionHistoryTimeWindow?: string;
  requiresDuplicateDetection?: boolean;
};
type Subscription = {
  maxDeliveryCount?: number;
  lockDuration?: string;
  defaultMessageTimeToLive?: string;
  deadLetteringOnMessageExpiration?: boolean;
  requiresSession?: boolean;
};
type TopicConfig = Topology['topics'][number];
type SubscriptionConfig = TopicConfig['subscriptions'][number];

const MIGRATION_DOC = 'https://learn.microsoft.com/azure/service-bus-messaging/service-bus-migrate-standard-premium';

export async function reconcileServiceBus(ctx: DeployContext): Promise<void> {
  const { az, names } = ctx;
  ctx.step(`Service Bus namespace ${names.serviceBusNamespace} (${ctx.options.serviceBusSku})`);
  const scope = ['--resource-group', names.resourceGroup, '--name', names.serviceBusNamespace];
  const existing = readable(ctx, ctx.ids.namespace)
    ? await az.find<Namespace>(['servicebus', 'namespace', 'show', ...scope])
    : undefined;
  if (existing) await reconcileNamespace(ctx, existing, scope);
  else await createNamespace(ctx, scope);
  for (const topic of ctx.topology.topics) {
    await reconcileTopic(ctx, topic);
    for (const subscription of topic.subscriptions) await reconcileSubscription(ctx, topic, subscription);
  }
}

function namespaceOwned(ctx: DeployContext): Owned<Namespace>[] {
  const owned: Owned<Namespace>[] = [
    {
      setting: 'disableLocalAuth',
      wanted: true,
      read: (n) => n.disableLocalAuth ?? false,
      flag: '--disable-local-auth',
      arg: 'true',
    },
    {
      setting: 'minimumTlsVersion',
      wanted: '1.2',
      read: (n) => n.minimumTlsVersion,
      flag: '--minimum-tls-version',
      arg: '1.2',
    },
  ];
  const units = ctx.options.serviceBusUnits;
  if (units !== undefined) {
    owned.push({
      setting: 'messaging units',
      wanted: units,
      read: (n) => n.sku?.capacity,
      flag: '--capacity',
      arg: String(units),
    });
  }
  return owned;
}

async function createNamespace(ctx: DeployContext, scope: string[]): Promise<void> {
  const { az, names, options } = ctx;
  const check = await az.json<{ nameAvailable: boolean; message?: string }>(
    ['servicebus', 'namespace', 'exists', '--name', names.serviceBusNamespace],
    { nameAvailable: true },
  );
  if (!check.nameAvailable) throw nameTaken('Service Bus namespace', names.serviceBusNamespace, check.message);
  ctx.plan.record({
    kind: 'create',
    target: `Service Bus namespace ${names.serviceBusNamespace} (${options.serviceBusSku})`,
  });
  ctx.state.created.add(ctx.ids.namespace);
  await az.change([
    ...['servicebus', 'namespace', 'create', ...scope, '--location', options.location, '--sku', options.serviceBusSku],
    ...(options.serviceBusUnits !== undefined ? ['--capacity', String(options.serviceBusUnits)] : []),
    // The app connects with its managed identity; SAS keys stay unusable.
    ...namespaceOwned(ctx).flatMap((o) => (o.flag === '--capacity' ? [] : [o.flag, o.arg])),
  ]);
}

async function reconcileNamespace(ctx: DeployContext, namespace: Namespace, scope: string[]): Promise<void> {
  const tier = namespace.sku?.tier ?? namespace.sku?.name;
  if (tier && tier.toLowerCase() !== ctx.options.serviceBusSku.toLowerCase()) {
    throw new DeployError(
      `Service Bus namespace ${ctx.names.serviceBusNamespace} is ${tier}, and --servicebus-sku asks for ${ctx.options.serviceBusSku}.`,
      `Changing between Standard and Premium is a migration, not an update (az servicebus migration start, ${MIGRATION_DOC}); or pass --servicebus-sku ${tier} to keep it.`,
    );
  }
  const drift = ownedDrifts(namespace, namespaceOwned(ctx));
  await applyOwnedDrift(ctx, `Service Bus namespace ${ctx.names.serviceBusNamespace}`, drift, [
    'servicebus',
    'namespace',
    'update',
    ...scope,
  ]);
}

const duration = (text: string | undefined) => (text === undefined ? undefined : parseDuration(text));
const showDuration = (value: unknown) => (typeof value === 'number' ? isoDuration(value) : String(value));

function topicOwned(topic: TopicConfig): Owned<Topic>[] {
  return [
    {
      setting: 'defaultMessageTimeToLive',
      wanted: topic.defaultMessageTimeToLiveMs,
      read: (t) => duration(t.defaultMessageTimeToLive),
      flag: '--default-message-time-to-live',
      arg: isoDuration(topic.defaultMessageTimeToLiveMs),
      display: showDuration,
    },
    {
      setting: 'duplicateDetectionHistoryTimeWindow',
      wanted: topic.duplicateDetectionHistoryTimeWindowMs,
      read: (t) => duration(t.duplicateDetectionHistoryTimeWindow),
      flag: '--duplicate-detection-history-time-window',
      arg: isoDuration(topic.duplicateDetectionHistoryTimeWindowMs),
      display: showDuration,
    },
    {
      setting: 'requiresDuplicateDetection',
      wanted: topic.requiresDuplicateDetection,
      read: (t) => t.requiresDuplicateDetection ?? false,
      flag: '--enable-duplicate-detection',
      arg: String(topic.requiresDuplicateDetection),
      fixedAtCreation: true,
    },
  ];
}

function subscriptionOwned(subscription: SubscriptionConfig): Owned<Subscription>[] {
  const s = subscription;
  return [
    {
      setting: 'maxDeliveryCount',
      wanted: s.maxDeliveryCount,
      read: (x) => x.maxDeliveryCount,
      flag: '--max-delivery-count',
      arg: String(s.maxDeliveryCount),
    },
    {
      setting: 'lockDuration',
      wanted: s.lockDurationMs,
      read: (x) => duration(x.lockDuration),
      flag: '--lock-duration',
      arg: isoDuration(s.lockDurationMs),
      display: showDuration,
    },
    {
      setting: 'defaultMessageTimeToLive',
      wanted: s.defaultMessageTimeToLiveMs,
      read: (x) => duration(x.defaultMessageTimeToLive),
      flag: '--default-message-time-to-live',
      arg: isoDuration(s.defaultMessageTimeToLiveMs),
      display: showDuration,
    },
    {
      setting: 'deadLetteringOnMessageExpiration',
      wanted: s.deadLetteringOnMessageExpiration,
      read: (x) => x.deadLetteringOnMessageExpiration ?? false,
      flag: '--enable-dead-lettering-on-message-expiration',
      arg: String(s.deadLetteringOnMessageExpiration),
    },
    {
      setting: 'requiresSession',
      wanted: false,
      read: (x) => x.requiresSession ?? false,
      flag: '--enable-session',
      arg: 'false',
      fixedAtCreation: true,
    },
  ];
}

async function reconcileTopic(ctx: DeployContext, topic: TopicConfig): Promise<void> {
  const { az, names } = ctx;
  const args = [
    '--resource-group',
    names.resourceGroup,
    '--namespace-name',
    names.serviceBusNamespace,
    '--name',
    topic.name,
  ];
  const id = ctx.ids.topic(topic.name);
  const existing = readable(ctx, id) ? await az.find<Topic>(['servicebus', 'topic', 'show', ...args]) : undefined;
  if (!existing) {
    ctx.plan.record({ kind: 'create', target: `topic ${topic.name}` });
    ctx.state.created.add(id);
    await az.change(['servicebus', 'topic', 'create', ...args, ...topicPropertyArgs(topic)]);
    return;
  }
  await applyOwnedDrift(ctx, `topic ${topic.name}`, ownedDrifts(existing, topicOwned(topic)), [
    'servicebus',
    'topic',
    'update',
    ...args,
  ]);
}

async function reconcileSubscription(ctx: DeployContext, topic: TopicConfig, s: SubscriptionConfig): Promise<void> {
  const { az, names } = ctx;
  const args = ['--resource-group', names.resourceGroup, '--namespace-name', names.serviceBusNamespace];
  args.push('--topic-name', topic.name, '--name', s.name);
  const id = ctx.ids.subscription(topic.name, s.name);
  const existing = readable(ctx, id)
    ? await az.find<Subscription>(['servicebus', 'topic', 'subscription', 'show', ...args])
    : undefined;
  if (!existing) {
    ctx.plan.record({ kind: 'create', target: `subscription ${topic.name}/${s.name}` });
    ctx.state.created.add(id);
    await az.change(['servicebus', 'topic', 'subscription', 'create', ...args, ...subscriptionPropertyArgs(s)]);
    return;
  }
  await applyOwnedDrift(ctx, `subscription ${topic.name}/${s.name}`, ownedDrifts(existing, subscriptionOwned(s)), [
    'servicebus',
    'topic',
    'subscription',
    'update',
    ...args,
  ]);
}
