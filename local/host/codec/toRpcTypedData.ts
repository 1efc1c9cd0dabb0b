import type { RpcTypedData } from '../../rpc/types.js';

const isBytes = (value: unknown): value is Uint8Array => value instanceof Uint8Array;

/**
 * A value for the worker (trigger data, an input binding, trigger metadata), as the host's `ToRpc` converts the
 * values extensions hand it: a string as `string`, bytes as `bytes`, every other value as `json` (numbers,
 * booleans, objects, arrays; dates as ISO strings); null and undefined as nothing.
 */
export function toRpcTypedData(value: unknown): RpcTypedData | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return { string: value };
  if (isBytes(value)) return { bytes: value };
  return { json: JSON.stringify(value) };
}

/**
 * Trigger metadata entries from a record of values, leaving out those that are null or undefined. The keys may
 * come from a message body, so the record has no prototype for a `__proto__` key to reach.
 */
export function toRpcMetadata(values: Record<string, unknown>): Record<string, RpcTypedData> {
  const metadata = Object.create(null) as Record<string, RpcTypedData>;
  for (const [key, value] of Object.entries(values)) {
    const data = toRpcTypedData(value);
    if (data) metadata[key] = data;
  }
  return metadata;
}
