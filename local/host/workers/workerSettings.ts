/** How many workers and with which Node options, from the app settings the host reads for them. */
export type WorkerSettings = { count: number; execArgv: string[] };

/**
 * `FUNCTIONS_WORKER_PROCESS_COUNT` (1–10, default 1) and `languageWorkers__node__arguments` (Node options such
 * as `--inspect=9229`, split on spaces), as the host passes them to the Node worker.
 */
export function workerSettings(setting: (name: string) => string | undefined): WorkerSettings {
  const rawCount = setting('FUNCTIONS_WORKER_PROCESS_COUNT')?.trim();
  const count = rawCount === undefined || rawCount === '' ? 1 : Number(rawCount);
  if (!Number.isInteger(count) || count < 1 || count > 10) {
    throw new Error(`FUNCTIONS_WORKER_PROCESS_COUNT must be a whole number from 1 to 10, got '${rawCount}'.`);
  }
  const args = setting('languageWorkers__node__arguments') ?? setting('languageWorkers:node:arguments') ?? '';
  return { count, execArgv: args.split(/\s+/).filter((a) => a !== '') };
}
