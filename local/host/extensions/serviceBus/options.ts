import * as z from 'zod';
import { flag, parseSection, positiveInt, timeSpanMs } from '../shared/hostJsonSection.js';

/** `host.json` `extensions.serviceBus`, as far as the local broker acts on it. */
export type ServiceBusOptions = {
  maxConcurrentCalls: number;
  autoCompleteMessages: boolean;
  /** Infinity when host.json sets a negative TimeSpan (renew without limit). */
  maxAutoLockRenewalDurationMs: number;
  /** Settings of the real extension that change nothing against the in-process broker, by name as written. */
  notEmulated: string[];
};

// The extension's other settings: valid in Azure, without effect on an in-process broker (no network,
// no sessions, no batches), so they are accepted and named at start-up.
const NOT_EMULATED = [
  'transportType',
  'webProxy',
  'maxConcurrentSessions',
  'maxMessageBatchSize',
  'minMessageBatchSize',
  'maxBatchWaitTime',
  'sessionIdleTimeout',
  'enableCrossEntityTransactions',
  'clientRetryOptions',
  'messageHandlerOptions',
  'sessionHandlerOptions',
  'batchOptions',
] as const;

const schema = z.strictObject({
  // The extension uses 16 × processor count; locally one "instance" runs, so 16 by default.
  maxConcurrentCalls: positiveInt.optional(),
  autoCompleteMessages: flag.optional(),
  maxAutoLockRenewalDuration: timeSpanMs.optional(),
  // Messages are handed over in-process, so prefetching buys nothing; any count is accepted.
  prefetchCount: z
    .number({ error: 'must be a whole number' })
    .refine((v) => Number.isInteger(v) && v >= 0, { error: 'must be a whole number' })
    .optional(),
  ...Object.fromEntries(NOT_EMULATED.map((key) => [key, z.unknown().optional()])),
});

export function parseServiceBusOptions(section: Record<string, unknown>, where: string): ServiceBusOptions {
  const options = parseSection(schema, section, where) as z.infer<typeof schema> & Record<string, unknown>;
  const renewal = options.maxAutoLockRenewalDuration ?? 5 * 60_000;
  return {
    maxConcurrentCalls: options.maxConcurrentCalls ?? 16,
    autoCompleteMessages: options.autoCompleteMessages ?? true,
    maxAutoLockRenewalDurationMs: renewal < 0 ? Infinity : renewal,
    notEmulated: NOT_EMULATED.filter((key) => options[key] !== undefined),
  };
}
