import type { ChildProcess } from 'node:child_process';
import { createIpcChannel, type IpcChannel } from '../../rpc/ipcChannel.js';
import type {
  FunctionMetadataResponse,
  HostMessage,
  InvocationResponse,
  WorkerInitResponse,
  WorkerMessage,
} from '../../rpc/messages.js';
import type { RpcFunctionMetadata, RpcInvocationRequest, RpcLog, RpcStatusResult } from '../../rpc/types.js';

/** The worker process ended while the host still needed it; in-flight invocations fail with this. */
export class WorkerProcessExitError extends Error {
  override name = 'WorkerProcessExitError';
  constructor(
    readonly exitCode: number | null,
    readonly pid: number | undefined,
    stderr: string,
  ) {
    const code = exitCode ?? -1;
    super(`node exited with code ${code} (0x${(code >>> 0).toString(16).toUpperCase()})${stderr ? `\n${stderr}` : ''}`);
  }
}

type Pending = { resolve(message: WorkerMessage): void; reject(error: Error): void };

export type WorkerStart = {
  capabilities: Record<string, string>;
  functions: RpcFunctionMetadata[];
};

function checkResult(result: RpcStatusResult, what: string): void {
  if (result.status === 'success') return;
  const error = new Error(result.exception?.message ?? `The worker failed the ${what}.`);
  if (result.exception?.stackTrace) error.stack = result.exception.stackTrace;
  throw error;
}

/**
 * The host's side of one worker: requests paired with responses by request id (invocations by invocation id),
 * logs handed on as they arrive, and every pending request failed when the process ends.
 */
export class WorkerChannel {
  readonly pid: number | undefined;
  #ipc: IpcChannel<HostMessage>;
  #pending = new Map<string, Pending>();
  #nextRequest = 1;
  #exit: Promise<WorkerProcessExitError>;
  #started: Promise<void>;
  #exited: WorkerProcessExitError | undefined;
  #capabilities: Record<string, string> = {};
  inFlight = 0;

  /** `startedAlready`: a placeholder worker's StartStream, which came before this channel existed. */
  constructor(
    readonly child: ChildProcess,
    stderrTail: readonly string[],
    onLog: (log: RpcLog) => void,
    startedAlready?: Promise<void>,
  ) {
    this.pid = child.pid;
    let started: () => void = () => undefined;
    this.#started = startedAlready ?? new Promise((resolve) => (started = resolve));
    this.#ipc = createIpcChannel<HostMessage, WorkerMessage>(child, (message) => {
      if ('rpcLog' in message) onLog(message.rpcLog);
      else if ('startStream' in message) started();
      else this.#settle(message);
    });
    this.#exit = new Promise((resolve) => {
      child.once('close', (code: number | null) => {
        this.#exited = new WorkerProcessExitError(code, child.pid, stderrTail.join(','));
        this.#ipc.close();
        for (const pending of this.#pending.values()) pending.reject(this.#exited);
        this.#pending.clear();
        resolve(this.#exited);
      });
    });
    child.once('error', () => undefined); // a failed spawn also ends in 'close'
  }

  /** Resolves when the process has ended, with why. */
  get exited(): Promise<WorkerProcessExitError> {
    return this.#exit;
  }

  get alive(): boolean {
    return this.#exited === undefined;
  }

  /** The worker's own HTTP server, when the app streams HTTP (the `HttpUri` capability). */
  get httpUri(): string | undefined {
    return this.#capabilities.HttpUri;
  }

  #settle(message: WorkerMessage): void {
    const key = 'invocationResponse' in message ? message.invocationResponse.invocationId : message.requestId;
    const pending = this.#pending.get(key);
    if (!pending) return;
    this.#pending.delete(key);
    pending.resolve(message);
  }

  #request(key: string, message: HostMessage): Promise<WorkerMessage> {
    if (this.#exited) return Promise.reject(this.#exited);
    return new Promise((resolve, reject) => {
      this.#pending.set(key, { resolve, reject });
      this.#ipc.send(message);
    });
  }

  #call(message: Omit<HostMessage, 'requestId'>): Promise<WorkerMessage> {
    const requestId = String(this.#nextRequest++);
    return this.#request(requestId, { ...message, requestId } as HostMessage);
  }

  #whenStarted(): Promise<void> {
    return Promise.race([this.#started, this.#exit.then((error) => Promise.reject(error))]);
  }

  /** Specialises a placeholder worker: the app's settings as its whole environment, the app's folder as its cwd. */
  async reloadEnvironment(environmentVariables: Record<string, string>, appDir: string): Promise<void> {
    await this.#whenStarted();
    const reply = (await this.#call({
      functionEnvironmentReloadRequest: { environmentVariables, functionAppDirectory: appDir },
    })) as { functionEnvironmentReloadResponse: { result: RpcStatusResult } };
    checkResult(reply.functionEnvironmentReloadResponse.result, 'environment reload');
  }

  /** StartStream, init (the app loads), metadata, then a load request per function, as the host starts a worker. */
  async start(appDir: string, hostVersion: string): Promise<WorkerStart> {
    await this.#whenStarted();
    const init = (await this.#call({
      workerInitRequest: { hostVersion, functionAppDirectory: appDir, workerDirectory: appDir, capabilities: {} },
    })) as { workerInitResponse: WorkerInitResponse };
    checkResult(init.workerInitResponse.result, 'init request');
    const metadata = (await this.#call({ functionsMetadataRequest: { functionAppDirectory: appDir } })) as {
      functionMetadataResponse: FunctionMetadataResponse;
    };
    checkResult(metadata.functionMetadataResponse.result, 'metadata request');
    const functions = metadata.functionMetadataResponse.functionMetadataResults;
    await Promise.all(
      functions.map(async (fn) => {
        const load = (await this.#call({ functionLoadRequest: { functionId: fn.functionId, metadata: fn } })) as {
          functionLoadResponse: { result: RpcStatusResult };
        };
        checkResult(load.functionLoadResponse.result, `load of function '${fn.name}'`);
      }),
    );
    this.#capabilities = init.workerInitResponse.capabilities;
    return { capabilities: this.#capabilities, functions };
  }

  async invoke(
    request: RpcInvocationRequest & { invocationId: string; functionId: string },
  ): Promise<InvocationResponse> {
    this.inFlight++;
    try {
      const answer = await this.#request(request.invocationId, {
        requestId: request.invocationId,
        invocationRequest: request,
      });
      return (answer as { invocationResponse: InvocationResponse }).invocationResponse;
    } finally {
      this.inFlight--;
    }
  }

  /** WorkerTerminate (the app's appTerminate hooks run), then a kill if the worker outlives the grace period. */
  async terminate(graceMs: number): Promise<void> {
    if (this.#exited) return;
    this.#ipc.send({ requestId: '', workerTerminate: { gracePeriodSeconds: Math.ceil(graceMs / 1000) } });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.#exit;
    clearTimeout(timer);
  }

  /** Ends the process at once (host shutting down after a failed start). */
  kill(): Promise<unknown> {
    if (this.#exited) return Promise.resolve();
    this.child.kill('SIGKILL');
    return this.#exit;
  }
}
