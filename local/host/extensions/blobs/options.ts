import * as z from 'zod';
import { parseSection, positiveInt } from '../shared/hostJsonSection.js';

/** `host.json` `extensions.blobs`. */
export type BlobsOptions = { maxDegreeOfParallelism: number; poisonBlobThreshold: number };

const schema = z.strictObject({
  maxDegreeOfParallelism: positiveInt.optional(),
  poisonBlobThreshold: positiveInt.optional(),
});

export function parseBlobsOptions(section: Record<string, unknown>, where: string): BlobsOptions {
  const options = parseSection(schema, section, where);
  // The extension's default is 8 per processor; the local host counts as one processor.
  return {
    maxDegreeOfParallelism: options.maxDegreeOfParallelism ?? 8,
    poisonBlobThreshold: options.poisonBlobThreshold ?? 5,
  };
}
