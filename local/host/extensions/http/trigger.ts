import type { BindingAdapter } from '../shared/bindingAdapter.js';

/** HTTP triggers have no listener of their own: the host's HTTP pipeline routes requests to them. */
export const httpTriggerAdapter: BindingAdapter = { type: 'httpTrigger' };
