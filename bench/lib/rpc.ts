import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** What a bench child exposes: one async handler per method, each taking one JSON-able argument. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- handler parameter types vary per method
export type RpcApi = Record<string, (params: any) => Promise<unknown>>;

type Request = { id: number; method: string; params: unknown };
type Response = { id: number; result?: unknown; error?: string };
type Ready = { ready: true };

/** In a child: answer the parent's calls until `shutdown`, which runs `onShutdown` and exits. */
export function serveRpc(api: RpcApi, onShutdown: () => Promise<void> = async () => undefined): void {
  if (!process.send) throw new Error('This module is a bench child: start it with child_process.fork.');
  process.on('message', (message: Request) => {
    const reply = (response: Response): void => void process.send!(response);
    if (message.method === 'shutdown') {
      // Exit even if a library left a handle open: the parent waits for this process to end.
      void onShutdown().finally(() => process.send!({ id: message.id, result: null }, () => process.exit(0)));
      return;
    }
    const handler = api[message.method];
    if (!handler) {
      reply({ id: message.id, error: `no method ${message.method}` });
      return;
    }
    handler(message.params).then(
      (result) => reply({ id: message.id, result: result ?? null }),
      (error: unknown) => reply({ id: message.id, error: (error as Error).stack ?? String(error) }),
    );
  });
  process.send({ ready: true } satisfies Ready);
}

export type ChildOptions = {
  /** Node flags, e.g. `--expose-gc`, `--cpu-prof`. */
  execArgv?: string[];
  env?: Record<string, string | undefined>;
  /** Inherit stdout/stderr (default) or drop the child's output. */
  quiet?: boolean;
};

/** A forked bench child with typed calls to its RpcApi. */
export class BenchChild<Api extends RpcApi> {
  readonly #child: ChildProcess;
  readonly #pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  readonly #exited: Promise<void>;
  #nextId = 1;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('message', (message: Response) => {
      const waiter = this.#pending.get(message.id);
      if (!waiter) return;
      this.#pending.delete(message.id);
      if (message.error !== undefined) waiter.reject(new Error(message.error));
      else waiter.resolve(message.result);
    });
    this.#exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        for (const waiter of this.#pending.values()) {
          waiter.reject(new Error(`bench child exited (code ${code}, signal ${signal}) before answering`));
        }
        this.#pending.clear();
        resolve();
      }),
    );
  }

  /** Forks `moduleUrl` (a compiled bench child, e.g. `new URL('../children/x.js', import.meta.url)`). */
  static start<Api extends RpcApi>(moduleUrl: URL, options: ChildOptions = {}): Promise<BenchChild<Api>> {
    const child = fork(fileURLToPath(moduleUrl), [], {
      execArgv: options.execArgv ?? [],
      env: { ...process.env, ...options.env },
      stdio: options.quiet ? ['ignore', 'ignore', 'inherit', 'ipc'] : ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      const onExit = (code: number | null): void => reject(new Error(`${moduleUrl.pathname} exited early (${code})`));
      child.once('exit', onExit);
      child.once('message', (message: Ready) => {
        if (!message.ready) return;
        child.off('exit', onExit);
        resolve(new BenchChild<Api>(child));
      });
    });
  }

  get pid(): number {
    return this.#child.pid!;
  }

  call<M extends keyof Api & string>(method: M, params: Parameters<Api[M]>[0]): Promise<Awaited<ReturnType<Api[M]>>> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.#child.send({ id, method, params } satisfies Request);
    });
  }

  /** Asks the child to clean up and exit; kills it if it has not exited within `graceMs`. */
  async stop(graceMs = 10_000): Promise<void> {
    if (this.#child.exitCode !== null || this.#child.signalCode !== null) return;
    const id = this.#nextId++;
    this.#child.send({ id, method: 'shutdown', params: null } satisfies Request);
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }
}
