import type { BindingAdapter } from './bindingAdapter.js';
import { httpOutputAdapter } from './http/output.js';
import { httpTriggerAdapter } from './http/trigger.js';

export type BindingRegistry = { get(type: string): BindingAdapter | undefined; types(): string[] };

/** Adapters keyed by binding type, case-insensitively; the HTTP ones are built in. */
export function createBindingRegistry(extra: readonly BindingAdapter[]): BindingRegistry {
  const byType = new Map<string, BindingAdapter>();
  for (const adapter of [httpTriggerAdapter, httpOutputAdapter, ...extra]) {
    const key = adapter.type.toLowerCase();
    if (byType.has(key)) throw new Error(`Two binding adapters were given for the binding type '${adapter.type}'.`);
    byType.set(key, adapter);
  }
  return {
    get: (type) => byType.get(type.toLowerCase()),
    types: () => [...byType.values()].map((a) => a.type),
  };
}
