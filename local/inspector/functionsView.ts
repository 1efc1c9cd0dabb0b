import type { FunctionInfo } from '../host/index.js';

/** Each function with its trigger and bindings, as the Functions view lists them. */
export function functionsView(functions: readonly FunctionInfo[]) {
  return functions.map((fn) => ({
    name: fn.name,
    disabled: fn.disabled,
    trigger: fn.trigger.type,
    http: fn.http ? { route: fn.http.route, methods: fn.http.methods ?? ['*'] } : undefined,
    // Settings a binding names (connection strings live in app settings, never here).
    bindings: fn.bindings.map((binding) => ({ ...binding })),
  }));
}
