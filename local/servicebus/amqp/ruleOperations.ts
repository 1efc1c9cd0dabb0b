import type { Rule } from '../rules.js';
import type { CorrelationFilter } from '../topology.js';
import { toNumber } from './codec.js';
import type { ConnectionContext } from './context.js';
import { UnsupportedError } from './errors.js';
import type { Operation, Reply } from './messageOperations.js';
import { amqpList, amqpTypes } from './rheaInternals.js';

// Descriptor codes of Service Bus's rule description types (as .NET and the JS SDK decode them).
const descriptor = {
  ruleDescription: 0x0000013700000004,
  emptyRuleAction: 0x0000013700000005,
  trueFilter: 0x0000001370000007,
  falseFilter: 0x0000001370000008,
  correlationFilter: 0x0000001370000009,
} as const;

/** Correlation filter fields as the rule description names them, in the order of its described list. */
const correlationFields: [wire: string, field: keyof Omit<CorrelationFilter, 'properties'>][] = [
  ['correlation-id', 'correlationId'],
  ['message-id', 'messageId'],
  ['to', 'to'],
  ['reply-to', 'replyTo'],
  ['label', 'subject'],
  ['session-id', 'sessionId'],
  ['reply-to-session-id', 'replyToSessionId'],
  ['content-type', 'contentType'],
];

const unsupportedSql =
  'SQL filters are not supported by the local broker: use a correlation filter, or the true (1=1) or false (1=0) filter.';

function filterOf(description: Record<string, unknown>): CorrelationFilter | boolean {
  if (description['sql-rule-action'] != null) {
    throw new UnsupportedError('Rule actions (SqlRuleAction) are not supported by the local broker.');
  }
  const sql = description['sql-filter'] as { expression?: unknown } | undefined;
  if (sql != null) {
    const expression = String(sql.expression ?? '').replace(/\s+/g, '');
    if (expression === '1=1' || expression === '1=0') return expression === '1=1';
    throw new UnsupportedError(unsupportedSql);
  }
  const raw = description['correlation-filter'] as Record<string, unknown> | undefined;
  if (raw == null) throw new TypeError('rule-description needs a sql-filter or a correlation-filter.');
  const filter: CorrelationFilter = {};
  for (const [wire, field] of correlationFields) {
    if (raw[wire] != null) filter[field] = raw[wire] as string;
  }
  if (raw.properties != null) filter.properties = raw.properties as CorrelationFilter['properties'];
  return filter;
}

async function addRule(ctx: ConnectionContext, path: string, body: Record<string, unknown>): Promise<Reply> {
  const description = body['rule-description'];
  if (description === null || typeof description !== 'object') throw new TypeError('rule-description must be a map.');
  const rule: Rule = {
    name: String(body['rule-name'] ?? ''),
    filter: filterOf(description as Record<string, unknown>),
  };
  await ctx.broker.addRule(path, rule);
  return { status: 200, body: {} };
}

async function removeRule(ctx: ConnectionContext, path: string, body: Record<string, unknown>): Promise<Reply> {
  await ctx.broker.removeRule(path, String(body['rule-name'] ?? ''));
  return { status: 200, body: {} };
}

const described = (code: number, items: unknown[]) => amqpTypes.described(amqpTypes.wrap_ulong(code), amqpList(items));

function encodeFilter(filter: CorrelationFilter | boolean) {
  if (typeof filter === 'boolean') return described(filter ? descriptor.trueFilter : descriptor.falseFilter, []);
  const items: unknown[] = correlationFields.map(([, field]) => filter[field] ?? null);
  // The SDK reads a ninth item only as a map: leave it out when there are no properties.
  if (filter.properties) items.push(amqpTypes.wrap_map(filter.properties));
  return described(descriptor.correlationFilter, items);
}

async function enumerateRules(ctx: ConnectionContext, path: string, body: Record<string, unknown>): Promise<Reply> {
  const skip = toNumber(body.skip ?? 0, 'skip');
  const top = toNumber(body.top ?? Number.MAX_SAFE_INTEGER, 'top');
  const rules = ctx.broker.rules(path).slice(skip, skip + top);
  const encoded = rules.map((rule) => ({
    'rule-description': described(descriptor.ruleDescription, [
      encodeFilter(rule.filter),
      described(descriptor.emptyRuleAction, []),
      rule.name,
    ]),
  }));
  // No rules: 204, as Service Bus answers (and never an empty list, see amqpList).
  return encoded.length === 0 ? { status: 204 } : { status: 200, body: { rules: encoded } };
}

/** The `$management` rule operations of a subscription (ServiceBusRuleManager). */
export const ruleOperations: Record<string, Operation> = {
  'com.microsoft:add-rule': addRule,
  'com.microsoft:remove-rule': removeRule,
  'com.microsoft:enumerate-rules': enumerateRules,
};
