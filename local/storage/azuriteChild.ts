import { fork, type ChildProcess } from 'node:child_process';
import { compiledEntry } from '../shared/compiledEntry.js';
import type { ExitReason, Supervised } from '../shared/supervisor.js';
import type { WriteHealth } from '../shared/writeHealth.js';
import type {
  AzuriteParentMessage,
  AzuriteProcessConfig,
  AzuriteProcessMessage,
  AzuriteService,
  AzuriteServiceName,
} from './azuriteProcess.js';

/** One Azurite process: the services it runs, its exit, and what the table journal says of its writes. */
export type AzuriteProcess = Supervised & {
  pid: number | undefined;
  /** The services running, with their bound ports. */
  readonly services: readonly AzuriteService[];
  /** Starts one more service in this process (or finds it running); resolves with it, ports bound. */
  start(service: AzuriteService): Promise<AzuriteService>;
  /** Stops one service; the process and its other services go on. */
  close(service: AzuriteServiceName): Promise<void>;
  health(): Promise<WriteHealth>;
};

/** How long a process asked to stop may take before it is killed. */
const STOP_GRACE_MS = 10_000;
/** How long a health question may go unanswered before the last answer stands. */
const HEALTH_TIMEOUT_MS = 2_000;

/** Forks Azurite's process with `config.services` and resolves once they listen. */
export async function startAzuriteProcess(config: AzuriteProcessConfig): Promise<AzuriteProcess> {
  const child = fork(compiledEntry(import.meta.url, 'azuriteLoader.js'), [JSON.stringify(config)], {
    // Not the parent's flags: a test runner's loaders or a profiler do not belong in Azurite's process.
    execArgv: [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<ExitReason>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  child.on('error', () => undefined); // failures show as the exit or an unanswered question
  let services = await nextReady(child, exited);
  // Starts are sent one at a time: each `ready` answers the request before it.
  let requests: Promise<unknown> = Promise.resolve();
  const request = <T>(send: () => Promise<T>): Promise<T> => {
    const answer = requests.then(send);
    requests = answer.catch(() => undefined);
    return answer;
  };
  const health = healthQuestions(child);
  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid,
    exited,
    get services() {
      return services;
    },
    start: (service) =>
      request(async () => {
        const found = services.find((s) => s.service === service.service);
        if (found) return found;
        const answer = nextReady(child, exited);
        child.send({ start: service } satisfies AzuriteParentMessage);
        services = await answer;
        return services.find((s) => s.service === service.service)!;
      }),
    close: (name) =>
      request(async () => {
        services = services.filter((s) => s.service !== name);
        if (child.connected) child.send({ stop: name } satisfies AzuriteParentMessage);
      }),
    health,
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const kill = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
        if (!child.connected) child.kill('SIGTERM');
        else child.send('stop' satisfies AzuriteParentMessage, (error) => error && child.kill('SIGTERM'));
        await exited;
        clearTimeout(kill);
      })()),
  };
}

/** The services running once the process next says it is ready, or why it is not. */
function nextReady(child: ChildProcess, exited: Promise<ExitReason>): Promise<AzuriteService[]> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: AzuriteProcessMessage) => {
      if (!('ready' in message)) return;
      child.off('message', onMessage);
      if (message.ready) resolve(message.services);
      else reject(new Error(message.error));
    };
    child.on('message', onMessage);
    void exited.then(({ code, signal }) => {
      child.off('message', onMessage);
      reject(new Error(`Azurite's process exited (${signal ?? `code ${code}`}) before it was ready.`));
    });
  });
}

/** Asks the process for its health; questions asked meanwhile share one answer, the last one stands in. */
function healthQuestions(child: ChildProcess): () => Promise<WriteHealth> {
  let lastHealth: WriteHealth = { diskFull: false };
  let asking: Promise<WriteHealth> | undefined;
  const ask = (): Promise<WriteHealth> =>
    new Promise((resolve) => {
      const done = (health: WriteHealth) => {
        clearTimeout(timer);
        child.off('message', onMessage);
        lastHealth = health;
        resolve(health);
      };
      const onMessage = (message: AzuriteProcessMessage) => {
        if ('health' in message) done(message.health);
      };
      const timer = setTimeout(() => done(lastHealth), HEALTH_TIMEOUT_MS);
      child.on('message', onMessage);
      child.send('health' satisfies AzuriteParentMessage, (error) => error && done(lastHealth));
    });
  return () => {
    if (!child.connected) return Promise.resolve(lastHealth);
    asking ??= ask().finally(() => (asking = undefined));
    return asking;
  };
}
