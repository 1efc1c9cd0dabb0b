import type { RpcTypedData } from '../../../rpc/types.js';
import { fromRpcTypedData } from '../../codec/index.js';

/**
 * The items an output collector (queue, Service Bus, table) takes from one output value, as the host reads them:
 * an array, or a string holding a JSON array, is one item per element; anything else is one item.
 */
export function collectorItems(data: RpcTypedData, bindingType: string): unknown[] {
  const value = fromRpcTypedData(data);
  if (value === undefined) throw new Error(`The ${bindingType} output binding received a value it cannot send.`);
  if (typeof value === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(value);
    } catch {
      parsed = undefined;
    }
    return Array.isArray(parsed) ? parsed : [value];
  }
  return Array.isArray(value) ? value : [value];
}
