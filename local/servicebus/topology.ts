import { readFileSync } from 'node:fs';
import * as z from 'zod';
import { parseIsoDuration } from './duration.js';

/** Equality filter on system and application properties (all given fields must match, case-sensitive). */
export type CorrelationFilter = {
  contentType?: string;
  correlationId?: string;
  subject?: string;
  messageId?: string;
  replyTo?: string;
  replyToSessionId?: string;
  sessionId?: string;
  to?: string;
  properties?: Record<string, string | number | boolean>;
};
export type RuleConfig = { name: string; filter: CorrelationFilter };

export type QueueConfig = {
  name: string;
  lockDurationMs: number;
  maxDeliveryCount: number;
  defaultMessageTimeToLiveMs: number;
  deadLetteringOnMessageExpiration: boolean;
  requiresDuplicateDetection: boolean;
  duplicateDetectionHistoryTimeWindowMs: number;
};
export type SubscriptionConfig = {
  name: string;
  lockDurationMs: number;
  maxDeliveryCount: number;
  defaultMessageTimeToLiveMs: number;
  deadLetteringOnMessageExpiration: boolean;
  /** Empty means the `$Default` rule: every message matches. Rules are OR'd. */
  rules: RuleConfig[];
};
export type TopicConfig = {
  name: string;
  defaultMessageTimeToLiveMs: number;
  requiresDuplicateDetection: boolean;
  duplicateDetectionHistoryTimeWindowMs: number;
  subscriptions: SubscriptionConfig[];
};
/** Parsed and validated Config.json (the official Service Bus emulator's shape). */
export type Topology = { queues: QueueConfig[]; topics: TopicConfig[] };

const second = 1000;
const minute = 60 * second;
const day = 24 * 60 * minute;

// Defaults are the official emulator's; ranges are the union of the emulator's and Azure's, so a file that
// works against either also works here.
function duration(defaultText: string, minMs: number, maxMs: number) {
  return z
    .string()
    .default(defaultText)
    .transform((text, ctx) => {
      const ms = parseIsoDuration(text);
      if (ms === undefined) {
        ctx.addIssue({ code: 'custom', message: `"${text}" is not an ISO-8601 duration such as PT1M, PT5M or P1D` });
        return z.NEVER;
      }
      if (ms < minMs || ms > maxMs) {
        ctx.addIssue({ code: 'custom', message: `"${text}" is outside the allowed range ${minMs} ms to ${maxMs} ms` });
        return z.NEVER;
      }
      return ms;
    });
}

const name = z
  .string()
  .regex(
    /^[A-Za-z0-9]$|^[A-Za-z0-9][\w\-./]*[A-Za-z0-9]$/,
    'must be letters, digits, "-", "_", "." or "/" (and start and end with a letter or digit)',
  );
const ttl = duration('PT1H', 1, 10_675_199 * day);
const dupWindow = duration('PT20S', 5 * second, 7 * day);
const lockDuration = duration('PT1M', 5 * second, 5 * minute);
const maxDeliveryCount = z.number().int().min(1).max(2000).default(3);
const notSupported = (what: string) =>
  z
    .unknown()
    .optional()
    .refine(
      (value) => value === undefined || value === '' || value === false,
      `${what} is not supported by the local broker`,
    );

const correlationFilter = z.strictObject({
  ContentType: z.string().optional(),
  CorrelationId: z.string().optional(),
  Label: z.string().optional(),
  MessageId: z.string().optional(),
  ReplyTo: z.string().optional(),
  ReplyToSessionId: z.string().optional(),
  SessionId: z.string().optional(),
  To: z.string().optional(),
  Properties: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).optional(),
});

const rule = z.strictObject({
  Name: name,
  Properties: z.strictObject({
    FilterType: z.literal(
      'Correlation',
      'only "Correlation" filters are supported by the local broker (SQL filters are not)',
    ),
    CorrelationFilter: correlationFilter,
    SqlFilter: notSupported('SqlFilter'),
    Action: notSupported('a rule Action'),
  }),
});

const commonProperties = {
  DeadLetteringOnMessageExpiration: z.boolean().default(false),
  DefaultMessageTimeToLive: ttl,
  ForwardDeadLetteredMessagesTo: notSupported('ForwardDeadLetteredMessagesTo'),
  ForwardTo: notSupported('ForwardTo'),
  LockDuration: lockDuration,
  MaxDeliveryCount: maxDeliveryCount,
  RequiresSession: notSupported('RequiresSession (message sessions)'),
};

const queue = z.strictObject({
  Name: name,
  Properties: z
    .strictObject({
      ...commonProperties,
      DuplicateDetectionHistoryTimeWindow: dupWindow,
      RequiresDuplicateDetection: z.boolean().default(false),
    })
    .prefault({}),
});

const subscription = z.strictObject({
  Name: name,
  Properties: z.strictObject(commonProperties).prefault({}),
  Rules: z.array(rule).default([]),
});

const topic = z.strictObject({
  Name: name,
  Properties: z
    .strictObject({
      DefaultMessageTimeToLive: ttl,
      DuplicateDetectionHistoryTimeWindow: dupWindow,
      RequiresDuplicateDetection: z.boolean().default(false),
    })
    .prefault({}),
  Subscriptions: z.array(subscription).min(1, 'a topic needs at least one subscription'),
});

const configFile = z.strictObject({
  UserConfig: z.strictObject({
    Namespaces: z
      .array(
        z.strictObject({
          Name: z.string().min(1),
          Queues: z.array(queue),
          Topics: z.array(topic),
        }),
      )
      .length(1, 'exactly one namespace is supported, as in the official emulator'),
    Logging: z.strictObject({ Type: z.string() }).optional(),
  }),
});

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`)).join('');
}

function toFilter(raw: z.infer<typeof correlationFilter>): CorrelationFilter {
  const filter: CorrelationFilter = {};
  if (raw.ContentType !== undefined) filter.contentType = raw.ContentType;
  if (raw.CorrelationId !== undefined) filter.correlationId = raw.CorrelationId;
  if (raw.Label !== undefined) filter.subject = raw.Label;
  if (raw.MessageId !== undefined) filter.messageId = raw.MessageId;
  if (raw.ReplyTo !== undefined) filter.replyTo = raw.ReplyTo;
  if (raw.ReplyToSessionId !== undefined) filter.replyToSessionId = raw.ReplyToSessionId;
  if (raw.SessionId !== undefined) filter.sessionId = raw.SessionId;
  if (raw.To !== undefined) filter.to = raw.To;
  if (raw.Properties !== undefined) filter.properties = raw.Properties;
  return filter;
}

function assertUnique(names: string[], where: string, source: string): void {
  const seen = new Set<string>();
  for (const entry of names) {
    const key = entry.toLowerCase();
    if (seen.has(key))
      throw new Error(`${source}: ${where}: the name "${entry}" is used twice (names are case-insensitive)`);
    seen.add(key);
  }
}

/** Validates a Config.json document; errors name the offending field, e.g. `...Topics[0].Properties.LockDuration`. */
export function parseTopology(json: unknown, source = 'Service Bus topology'): Topology {
  const result = configFile.safeParse(json);
  if (!result.success) {
    const lines = result.error.issues.map((issue) => `  ${formatPath(issue.path) || '(root)'}: ${issue.message}`);
    throw new Error(`${source} is invalid:\n${lines.join('\n')}`);
  }
  const namespace = result.data.UserConfig.Namespaces[0]!;
  const queues: QueueConfig[] = namespace.Queues.map((q) => ({
    name: q.Name,
    lockDurationMs: q.Properties.LockDuration,
    maxDeliveryCount: q.Properties.MaxDeliveryCount,
    defaultMessageTimeToLiveMs: q.Properties.DefaultMessageTimeToLive,
    deadLetteringOnMessageExpiration: q.Properties.DeadLetteringOnMessageExpiration,
    requiresDuplicateDetection: q.Properties.RequiresDuplicateDetection,
    duplicateDetectionHistoryTimeWindowMs: q.Properties.DuplicateDetectionHistoryTimeWindow,
  }));
  const topics: TopicConfig[] = namespace.Topics.map((t) => ({
    name: t.Name,
    defaultMessageTimeToLiveMs: t.Properties.DefaultMessageTimeToLive,
    requiresDuplicateDetection: t.Properties.RequiresDuplicateDetection,
    duplicateDetectionHistoryTimeWindowMs: t.Properties.DuplicateDetectionHistoryTimeWindow,
    subscriptions: t.Subscriptions.map((s) => ({
      name: s.Name,
      lockDurationMs: s.Properties.LockDuration,
      maxDeliveryCount: s.Properties.MaxDeliveryCount,
      defaultMessageTimeToLiveMs: s.Properties.DefaultMessageTimeToLive,
      deadLetteringOnMessageExpiration: s.Properties.DeadLetteringOnMessageExpiration,
      rules: s.Rules.map((r) => ({ name: r.Name, filter: toFilter(r.Properties.CorrelationFilter) })),
    })),
  }));
  assertUnique(
    [...queues.map((q) => q.name), ...topics.map((t) => t.name)],
    'UserConfig.Namespaces[0] queues and topics',
    source,
  );
  topics.forEach((t, i) =>
    assertUnique(
      t.subscriptions.map((s) => s.name),
      `UserConfig.Namespaces[0].Topics[${i}].Subscriptions`,
      source,
    ),
  );
  return { queues, topics };
}

/** Reads and validates a Config.json file. */
export function loadTopology(path: string): Topology {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new Error(`Cannot read the Service Bus topology file ${path}: ${(error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new Error(`The Service Bus topology file ${path} is not valid JSON: ${(error as Error).message}`);
  }
  return parseTopology(json, path);
}
