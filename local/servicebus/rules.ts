import { ServiceBusError } from './errors.js';
import type { StoredProperties } from './message.js';
import type { CorrelationFilter, RuleConfig } from './topology.js';

/** A subscription rule: a correlation filter, or the true / false filter (`1=1` / `1=0`). No rule actions. */
export type Rule = { name: string; filter: CorrelationFilter | boolean };

export const defaultRuleName = '$Default';
const maxRuleNameLength = 50;

/** The topology's rules; a subscription without any gets the `$Default` rule (true filter), as in Azure. */
export function rulesFromTopology(rules: RuleConfig[]): Rule[] {
  if (rules.length === 0) return [{ name: defaultRuleName, filter: true }];
  return rules.map((r) => ({ name: r.name, filter: r.filter }));
}

type FilterInput = StoredProperties & { messageId: string };

const systemFields = [
  'contentType',
  'correlationId',
  'subject',
  'messageId',
  'replyTo',
  'replyToSessionId',
  'sessionId',
  'to',
] as const;

/** Rules are OR'd; a correlation filter needs every field it names to be equal (case-sensitive). No rules: nothing. */
export function matchesAny(rules: readonly Rule[], message: FilterInput): boolean {
  return rules.some(({ filter }) => {
    if (typeof filter === 'boolean') return filter;
    for (const field of systemFields) {
      if (filter[field] !== undefined && filter[field] !== message[field]) return false;
    }
    for (const [key, value] of Object.entries(filter.properties ?? {})) {
      // Own properties only: a message without `constructor` must not match through what objects inherit.
      if (!Object.hasOwn(message.applicationProperties, key) || message.applicationProperties[key] !== value) {
        return false;
      }
    }
    return true;
  });
}

/** Checks a rule a client adds; names the field at fault. */
export function validateRule(rule: Rule, existing: readonly Rule[]): Rule {
  const { name, filter } = rule;
  if (typeof name !== 'string' || name === '' || name.length > maxRuleNameLength) {
    throw new TypeError(`rule name must be 1 to ${maxRuleNameLength} characters.`);
  }
  if (existing.some((r) => r.name.toLowerCase() === name.toLowerCase())) {
    throw new ServiceBusError('MessagingEntityAlreadyExists', `The rule '${name}' already exists.`);
  }
  if (typeof filter === 'boolean') return { name, filter };
  const copy: CorrelationFilter = {};
  for (const field of systemFields) {
    const value = filter[field];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw new TypeError(`rule '${name}': correlation filter ${field} must be a string.`);
    copy[field] = value;
  }
  if (filter.properties !== undefined) {
    for (const [key, value] of Object.entries(filter.properties)) {
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        throw new TypeError(
          `rule '${name}': correlation filter property '${key}' must be a string, number or boolean.`,
        );
      }
    }
    copy.properties = { ...filter.properties };
  }
  if (Object.keys(copy).length === 0) {
    throw new TypeError(`rule '${name}': a correlation filter needs at least one property to compare.`);
  }
  return { name, filter: copy };
}
