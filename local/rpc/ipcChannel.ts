/** Either end of a Node IPC channel: a forked ChildProcess in the host, `process` in the worker. */
export type IpcEndpoint = {
  send?(message: unknown, callback?: (error: Error | null) => void): boolean;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
  readonly connected?: boolean;
};

export type IpcChannel<Out> = {
  /** Queues a message; every message queued in one turn of the event loop goes out as one IPC write. */
  send(message: Out): void;
  /** Stops listening; queued messages still go out. */
  close(): void;
};

/**
 * Messages over IPC, in order, handed to `onMessage` one by one. Each IPC message costs a serialization and a pipe write on both sides, so messages
 * sent in the same turn (a burst of logs, many small invocations under load) are batched into one array.
 */
export function createIpcChannel<Out, In>(endpoint: IpcEndpoint, onMessage: (message: In) => void): IpcChannel<Out> {
  let queue: Out[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    const batch = queue;
    queue = [];
    // After the other end is gone there is nobody to tell; the exit is handled where the process is watched.
    if (batch.length > 0 && endpoint.connected !== false) endpoint.send?.(batch, () => undefined);
  };
  const onBatch = (batch: unknown): void => {
    if (!Array.isArray(batch)) return;
    for (const message of batch) onMessage(message as In);
  };
  endpoint.on('message', onBatch);
  return {
    send(message) {
      queue.push(message);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
    },
    close() {
      endpoint.off('message', onBatch);
    },
  };
}
