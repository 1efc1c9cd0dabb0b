import type { Clock } from '../shared/clock.js';
import type { TelemetrySpan } from '../telemetry/index.js';
import type { ReceivedMessage } from './message.js';

/** Runs one delivered message; `delivery` is the attempt's span while telemetry records (work goes under it). */
export type MessageHandler = (message: ReceivedMessage, delivery: TelemetrySpan | undefined) => Promise<void>;

export type ProcessorOptions = {
  maxConcurrentCalls: number;
  autoCompleteMessages: boolean;
  /** 0 disables renewal; Infinity renews for as long as the handler runs. */
  maxAutoLockRenewalDurationMs: number;
  /** Settlement failures (e.g. the lock was lost while the handler ran); default: a process warning. */
  onError?: (error: unknown, message: ReceivedMessage) => void;
};

/** The broker verbs a processor drives. */
export type ProcessorBroker = {
  receive(entityPath: string, maxMessages: number): ReceivedMessage[];
  complete(entityPath: string, lockToken: string): Promise<void>;
  abandon(entityPath: string, lockToken: string): Promise<void>;
  renewLock(entityPath: string, lockToken: string): Date;
  onMessagesAvailable(entityPath: string, listener: () => void): () => void;
  deliverySpan(lockToken: string): TelemetrySpan | undefined;
};

// As the JS SDK: renew when min(half the remaining lock, 10 s) is left.
const renewMarginMs = 10_000;

function validate(options: ProcessorOptions): void {
  if (!options || typeof options !== 'object') throw new TypeError('createProcessor needs options.');
  const { maxConcurrentCalls, autoCompleteMessages, maxAutoLockRenewalDurationMs } = options;
  if (!Number.isInteger(maxConcurrentCalls) || maxConcurrentCalls < 1) {
    throw new RangeError(`maxConcurrentCalls must be a positive integer, got ${maxConcurrentCalls}.`);
  }
  if (typeof autoCompleteMessages !== 'boolean') throw new TypeError('autoCompleteMessages must be a boolean.');
  if (typeof maxAutoLockRenewalDurationMs !== 'number' || !(maxAutoLockRenewalDurationMs >= 0)) {
    throw new RangeError(
      `maxAutoLockRenewalDurationMs must be 0 or more (Infinity for no limit), got ${maxAutoLockRenewalDurationMs}.`,
    );
  }
}

/** Keeps the message locked while its handler runs, up to the renewal window. */
function keepLocked(broker: ProcessorBroker, clock: Clock, entityPath: string, message: ReceivedMessage) {
  const receivedAt = clock.now();
  let timer: ReturnType<Clock['setTimeout']> | undefined;
  let stopped = false;
  const plan = (lockedUntil: number, windowEnd: number) => {
    const now = clock.now();
    const renewAt = lockedUntil - Math.min((lockedUntil - now) / 2, renewMarginMs);
    if (renewAt >= windowEnd) return;
    timer = clock.setTimeout(
      () => {
        timer = undefined;
        if (stopped) return;
        try {
          plan(broker.renewLock(entityPath, message.lockToken).getTime(), windowEnd);
        } catch {
          // The lock is already gone (expired or settled elsewhere): settlement will report it.
        }
      },
      Math.max(0, renewAt - now),
    );
  };
  return {
    start(windowMs: number) {
      if (windowMs > 0) plan(message.lockedUntilUtc.getTime(), receivedAt + windowMs);
    },
    stop() {
      stopped = true;
      if (timer !== undefined) clock.clearTimeout(timer);
    },
  };
}

/** Functions serviceBusTrigger semantics over the broker's verbs; woken by availability events, never polls. */
export function startProcessor(
  broker: ProcessorBroker,
  clock: Clock,
  entityPath: string,
  handler: MessageHandler,
  options: ProcessorOptions,
): { close(): Promise<void> } {
  validate(options);
  if (typeof handler !== 'function') throw new TypeError('createProcessor needs a handler function.');
  const report =
    options.onError ??
    ((error: unknown, message: ReceivedMessage) =>
      process.emitWarning(
        `Service Bus processor on '${entityPath}' could not settle message ${message.messageId}: ${String(error)}`,
      ));
  const inFlight = new Set<Promise<void>>();
  let closed = false;

  const run = async (message: ReceivedMessage) => {
    const renewal = keepLocked(broker, clock, entityPath, message);
    renewal.start(options.maxAutoLockRenewalDurationMs);
    let failed = false;
    try {
      await handler(message, broker.deliverySpan(message.lockToken));
    } catch {
      // The trigger abandons on any error, whatever autoCompleteMessages says; the host logs the error.
      failed = true;
    } finally {
      renewal.stop();
    }
    try {
      if (failed) await broker.abandon(entityPath, message.lockToken);
      else if (options.autoCompleteMessages) await broker.complete(entityPath, message.lockToken);
    } catch (error) {
      report(error, message);
    }
  };

  const pump = () => {
    if (closed) return;
    const room = options.maxConcurrentCalls - inFlight.size;
    if (room <= 0) return;
    for (const message of broker.receive(entityPath, room)) {
      const call: Promise<void> = run(message).finally(() => {
        inFlight.delete(call);
        pump();
      });
      inFlight.add(call);
    }
  };

  const unsubscribe = broker.onMessagesAvailable(entityPath, pump);
  queueMicrotask(pump);
  return {
    async close() {
      closed = true;
      unsubscribe();
      while (inFlight.size > 0) await Promise.all([...inFlight]);
    },
  };
}
