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
  const started = new Map(stack.started.map((s) => [s.name, s]));
  const lines = [
    options.withHost
      ? row('Web client + API', `${functionsUrl}/  (API under /api, sign-in under /.auth)`)
      : row('Functions host', `not started: run \`func start\` (it serves ${functionsUrl})`),
  ];
  // One row per URL (the first with the service's label), then why it runs — or why it does not.
  const service = (name: StackServiceName, labels: string[], note = '') => {
    const entry = started.get(name);
    if (!entry) return lines.push(row(labels[0]!, `not started: ${NOT_NEEDED[name]}`));
    entry.urls.forEach((url, i) => lines.push(row(labels[Math.min(i, labels.length - 1)]!, `${url}${note}`)));
    lines.push(row('', `why: ${entry.reasons.join('; ')}`));
  };
  service('signalR', ['SignalR service']);
  service('serviceBus', ['Service Bus'], ` (AMQP; ${options.state})`);
  service('storage', ['Azurite tables', 'Azurite blobs', 'Azurite queues']);
  if (options.withHost) {
    lines.push(
      row('Inspector', `${functionsUrl}/_local/#key=${encodeURIComponent(stack.masterKey)}`),
      row('Health', `${functionsUrl}/_local/health`),
      row('Master key', `${stack.masterKey}  (x-functions-key for ${functionsUrl}/admin/)`),
    );
  }
  return lines;
}
