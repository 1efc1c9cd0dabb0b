import * as z from 'zod';
import { parseSection, positiveInt, timeSpanMs } from '../shared/hostJsonSection.js';

/** `host.json` `extensions.queues`, with the extension's defaults. */
export type QueuesOptions = {
  batchSize: number;
  newBatchThreshold: number;
  maxPollingIntervalMs: number;
  visibilityTimeoutMs: number;
  maxDequeueCount: number;
  messageEncoding: 'base64' | 'none';
};

/** The shortest wait between polls of an empty queue, and the first one after a message was found. */
export const MIN_POLLING_INTERVAL_MS = 100;

const schema = z.strictObject({
  // Azure Queues hands out at most 32 messages per request.
  batchSize: positiveInt.refine((v) => v <= 32, { error: 'must be from 1 to 32' }).optional(),
  newBatchThreshold: z
    .number({ error: 'must be a whole number' })
    .refine((v) => Number.isInteger(v) && v >= 0, { error: 'must be a whole number' })
    .optional(),
  maxPollingInterval: timeSpanMs
    .refine((ms) => ms >= MIN_POLLING_INTERVAL_MS, { error: 'must not be less than 00:00:00.1' })
    .optional(),
  visibilityTimeout: timeSpanMs.refine((ms) => ms >= 0, { error: 'must not be negative' }).optional(),
  maxDequeueCount: positiveInt.optional(),
  messageEncoding: z
    .string({ error: "must be 'base64' or 'none'" })
    .transform((v) => v.toLowerCase())
    .refine((v): v is 'base64' | 'none' => v === 'base64' || v === 'none', { error: "must be 'base64' or 'none'" })
    .optional(),
});

export function parseQueuesOptions(section: Record<string, unknown>, where: string): QueuesOptions {
  const options = parseSection(schema, section, where);
  const batchSize = options.batchSize ?? 16;
  return {
    batchSize,
    // The extension's default is batchSize / 2 per processor; the local host counts as one.
    newBatchThreshold: options.newBatchThreshold ?? Math.floor(batchSize / 2),
    maxPollingIntervalMs: options.maxPollingInterval ?? 60_000,
    visibilityTimeoutMs: options.visibilityTimeout ?? 0,
    maxDequeueCount: options.maxDequeueCount ?? 5,
    messageEncoding: (options.messageEncoding as 'base64' | 'none' | undefined) ?? 'base64',
  };
}
