import type { ServiceBusBroker } from '../broker.js';
import type { ApplicationProperties } from '../message.js';
import { toApplicationProperties } from './codec.js';

/** How a client settles a locked message, whether by a disposition on its link or through `$management`. */
export type Disposition =
  | { kind: 'complete' }
  | { kind: 'abandon'; properties: ApplicationProperties | undefined }
  | { kind: 'defer'; properties: ApplicationProperties | undefined }
  | { kind: 'deadLetter'; reason?: string; description?: string; properties: ApplicationProperties | undefined };

export function applyDisposition(
  broker: ServiceBusBroker,
  entityPath: string,
  lockToken: string,
  disposition: Disposition,
): Promise<void> {
  switch (disposition.kind) {
    case 'complete':
      return broker.complete(entityPath, lockToken);
    case 'abandon':
      return broker.abandon(entityPath, lockToken, disposition.properties);
    case 'defer':
      return broker.defer(entityPath, lockToken, disposition.properties);
    case 'deadLetter':
      return broker.deadLetter(entityPath, lockToken, {
        reason: disposition.reason,
        description: disposition.description,
        propertiesToModify: disposition.properties,
      });
  }
}

function optionalText(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new TypeError(`${what} must be a string.`);
  return value;
}

/** A dead-letter's reason and description travel next to the properties to modify (as the SDKs send them). */
export function deadLetterOf(
  fields: Record<string, unknown>,
  reason: unknown,
  description: unknown,
): Extract<Disposition, { kind: 'deadLetter' }> {
  const properties = toApplicationProperties(fields, 'propertiesToModify');
  return {
    kind: 'deadLetter',
    reason: optionalText(reason, 'deadLetterReason'),
    description: optionalText(description, 'deadLetterErrorDescription'),
    properties,
  };
}

type Outcome = {
  constructor: { composite_type?: string };
  error?: { condition?: string; info?: Record<string, unknown> };
  undeliverable_here?: boolean;
  message_annotations?: Record<string, unknown>;
};

/**
 * The disposition a link outcome means for Service Bus: accepted = complete; modified = abandon, or defer when
 * undeliverable-here; rejected = dead-letter (reason and description in the error's info); released = abandon.
 */
export function dispositionOfOutcome(state: unknown): Disposition {
  const outcome = state as Outcome;
  const type = outcome?.constructor?.composite_type;
  if (type === 'accepted') return { kind: 'complete' };
  if (type === 'released') return { kind: 'abandon', properties: undefined };
  if (type === 'modified') {
    const properties = toApplicationProperties(outcome.message_annotations, 'propertiesToModify');
    return outcome.undeliverable_here ? { kind: 'defer', properties } : { kind: 'abandon', properties };
  }
  if (type === 'rejected') {
    const { DeadLetterReason, DeadLetterErrorDescription, ...rest } = outcome.error?.info ?? {};
    return deadLetterOf(rest, DeadLetterReason, DeadLetterErrorDescription);
  }
  throw new TypeError(`The delivery outcome '${String(type)}' is not one Service Bus understands.`);
}
