import { NOT_NEEDED, type StackServiceName } from './services/servicePlan.js';
import type { LocalServices } from './startLocalStack.js';

export type BannerOptions = {
  /** The local Functions host runs (not `--services`). */
  withHost: boolean;
  /** Where state lives, in words: `in memory`, or `durable, .local`. */
  state: string;
};

const WIDTH = 19;
const row = (label: string, text: string) => `  ${label.padEnd(WIDTH)}${text}`;

/** What the stack serves where: each service with why it was started, or why it was not. */
export function bannerLines(stack: LocalServices, options: BannerOptions): string[] {
  const functionsUrl = stack.urls.functions.replace('127.0.0.1', 'localhost');
  const started = new Map(stack.started.map((s) => [s.name, s.reasons.join('; ')]));
  const lines = [
    options.withHost
      ? row('Web client + API', `${functionsUrl}/  (API under /api, sign-in under /.auth)`)
      : row('Functions host', `not started: run \`func start\` (it serves ${functionsUrl})`),
  ];
  const service = (name: StackServiceName, label: string, where: () => string) => {
    const why = started.get(name);
    if (why === undefined) lines.push(row(label, `not started: ${NOT_NEEDED[name]}`));
    else lines.push(row(label, where()), row('', `started: ${why}`));
  };
  service('signalR', 'SignalR service', () => stack.signalr.url);
  service('serviceBus', 'Service Bus', () => `${stack.urls.servicebus} (AMQP; ${options.state})`);
  service('storage', 'Azurite', () => `${stack.urls.tableService} (tables; blobs and queues when bindings need them)`);
  if (options.withHost) {
    lines.push(
      row('Inspector', `${functionsUrl}/_local/#key=${encodeURIComponent(stack.masterKey)}`),
      row('Health', `${functionsUrl}/_local/health`),
      row('Master key', `${stack.masterKey}  (x-functions-key for ${functionsUrl}/admin/)`),
    );
  }
  return lines;
}
