import {
  builtInExtensions,
  defineExtension,
  type BindingAdapter,
  type RegisteredExtension,
} from '../../../local/host/index.js';

/** The built-in extensions plus one test extension with these handlers: added through the registry alone. */
export function withTestExtension(...adapters: BindingAdapter[]): RegisteredExtension[] {
  const test = defineExtension({
    name: 'test',
    bindingTypes: adapters.map((a) => a.type),
    start: () => ({ bindings: adapters }),
  });
  return [...builtInExtensions, test];
}

/** A trigger nothing listens on: the test runs its functions through `host.invoke()`. */
export const manualTrigger = (type: string): BindingAdapter => ({
  type,
  startTrigger: async () => ({ close: async () => undefined }),
});
