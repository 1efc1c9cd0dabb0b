import type { BindingData } from '../core/bindingExpressions.js';

/**
 * HTTP binding data in the host's order, later sources overwriting earlier ones (case-insensitively): top-level
 * properties of a JSON body, query parameters except `code`, route values, then `Query` and `Headers`.
 */
export function httpBindingData(options: {
  body: Buffer | undefined;
  query: Record<string, string>;
  params: Record<string, string>;
  headers: Record<string, string>;
}): BindingData {
  // Keys come from the client (body, query): with a null prototype, `__proto__` is just another key.
  const data = Object.create(null) as BindingData;
  const put = (key: string, value: unknown): void => {
    data[key.toLowerCase()] = value;
  };
  if (options.body && options.body.length > 0) {
    try {
      const json: unknown = JSON.parse(options.body.toString('utf8'));
      if (typeof json === 'object' && json !== null && !Array.isArray(json)) {
        for (const [k, v] of Object.entries(json)) put(k, v);
      }
    } catch {
      // Not JSON: the body contributes no binding data.
    }
  }
  for (const [k, v] of Object.entries(options.query)) if (k.toLowerCase() !== 'code') put(k, v);
  for (const [k, v] of Object.entries(options.params)) put(k, v);
  put('Query', options.query);
  put('Headers', options.headers);
  return data;
}
