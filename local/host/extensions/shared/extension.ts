import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../../shared/clock.js';
import type { Telemetry } from '../../../telemetry/index.js';
import type { LogEntry } from '../../core/logger.js';
import type { AdminEndpoint } from '../../http/admin.js';
import type { BindingAdapter } from './bindingAdapter.js';

/** What an extension is given when the host starts it for an app that uses one of its binding types. */
export type ExtensionContext<Options> = {
  /** Its `host.json` section (`extensions.<name>`), parsed by its own `parseOptions`. */
  options: Options;
  /** A local service it declared in `services`, started for it by whoever runs the host. */
  service<T>(name: string): T;
  setting(name: string): string | undefined;
  log(entry: LogEntry): void;
  clock: Clock;
  /** Spans and logs of the stack (see local/telemetry); check `telemetry.recording` before building any. */
  telemetry: Telemetry;
};

/**
 * One started extension: a handler per binding type, and optionally its `/runtime/webhooks/<name>` endpoint and
 * its `/admin/<name>` endpoint.
 */
export type ExtensionInstance = {
  bindings: BindingAdapter[];
  webhook?(req: IncomingMessage, res: ServerResponse): Promise<void>;
  admin?: AdminEndpoint;
};

/**
 * A family of bindings, as a Functions extension is: the binding types it handles, its `host.json` section, the
 * connection forms it understands, the local services it needs, and its handlers. The host core knows none of
 * an extension's options; it hands each extension its own section and starts it only when an app uses it.
 */
export type Extension<Options = undefined> = {
  /** Also its `host.json` section name (`extensions.serviceBus`) and webhook path segment. */
  readonly name: string;
  /** Binding `type`s, matched ignoring case. */
  readonly bindingTypes: readonly string[];
  /** The connection settings it reads, in the forms it accepts (for messages and docs). */
  readonly connectionForms?: readonly string[];
  /** Local services (by name) the stack must start before the extension runs, e.g. `serviceBus`. */
  readonly services?: readonly string[];
  /** Started for every app, not only those that use its binding types (for an endpoint that answers regardless). */
  readonly startAlways?: boolean;
  /** Validates its section (absent = `{}`); unknown keys must be refused with a message naming them. */
  parseOptions?(section: Record<string, unknown>, where: string): Options;
  start(context: ExtensionContext<Options>): ExtensionInstance | Promise<ExtensionInstance>;
};

/** An extension with its options type erased, as the registry keeps it: `configure` parses, then starts. */
export type RegisteredExtension = {
  readonly name: string;
  readonly bindingTypes: readonly string[];
  readonly connectionForms: readonly string[];
  readonly services: readonly string[];
  readonly startAlways: boolean;
  configure(
    section: Record<string, unknown>,
    where: string,
  ): (context: Omit<ExtensionContext<unknown>, 'options'>) => ExtensionInstance | Promise<ExtensionInstance>;
};

/** Declares an extension; the options type stays between its parser and its start. */
export function defineExtension<Options>(extension: Extension<Options>): RegisteredExtension {
  return {
    name: extension.name,
    bindingTypes: extension.bindingTypes,
    connectionForms: extension.connectionForms ?? [],
    services: extension.services ?? [],
    startAlways: extension.startAlways ?? false,
    configure(section, where) {
      const options = (extension.parseOptions?.(section, where) ?? undefined) as Options;
      return (context) => extension.start({ ...context, options });
    },
  };
}
