import { defineExtension } from '../shared/extension.js';
import { parseHttpOptions } from './options.js';
import { httpOutputAdapter } from './output.js';
import { httpTriggerAdapter } from './trigger.js';

/** HTTP: the trigger is served by the host's own pipeline; the `http` output is the response it writes. */
export const httpExtension = defineExtension({
  name: 'http',
  bindingTypes: ['httpTrigger', 'http'],
  parseOptions: parseHttpOptions,
  start: () => ({ bindings: [httpTriggerAdapter, httpOutputAdapter] }),
});
