import { restStatus } from '../../../shared/lazyModule.js';
import type { DequeuedMessageItem, QueueClient } from '@azure/storage-queue';
import type { Clock, ClockTimer } from '../../../shared/clock.js';
import type { TriggerHost } from '../shared/bindingAdapter.js';
import { decodeMessage, sendCreatingQueue } from './message.js';
import { MIN_POLLING_INTERVAL_MS, type QueuesOptions } from './options.js';

/** How long a received message stays hidden from other receivers; renewed halfway while its function runs. */
const LEASE_SECONDS = 600;

/** Runs what one message asks for; true when it succeeded (the message is then deleted). */
export type MessageHandler = (message: DequeuedMessageItem, text: string) => Promise<boolean>;

export type QueueListenerDeps = {
  /** Where warnings go (`Function.<name>`). */
  category: string;
  log: TriggerHost['log'];
  handle: MessageHandler;
  queue: QueueClient;
  /** `<queue>-poison`, or undefined for a queue that has none (a poison queue itself). */
  poison: QueueClient | undefined;
  options: QueuesOptions;
  clock: Clock;
};

/**
 * Polls one queue as the Queues extension does: batches of `batchSize`, a new batch once at most
 * `newBatchThreshold` messages are in flight, exponential back-off up to `maxPollingInterval` while the queue is
 * empty (cut short by `notify`, when this host adds a message), and poison handling after `maxDequeueCount`.
 */
export class QueueListener {
  readonly #deps: QueueListenerDeps;
  readonly #inFlight = new Set<Promise<void>>();
  #delayMs = MIN_POLLING_INTERVAL_MS;
  #timer: ClockTimer | undefined;
  #polling = false;
  #closed = false;

  constructor(deps: QueueListenerDeps) {
    this.#deps = deps;
  }

  get queue(): QueueClient {
    return this.#deps.queue;
  }

  start(): void {
    this.#schedule(0);
  }

  /** A message was just added to this queue by this host: poll now instead of waiting out the back-off. */
  notify(): void {
    if (this.#closed || this.#polling || this.#timer === undefined) return;
    this.#schedule(0);
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer !== undefined) this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
    await Promise.all(this.#inFlight);
  }

  #schedule(ms: number): void {
    if (this.#closed) return;
    if (this.#timer !== undefined) this.#deps.clock.clearTimeout(this.#timer);
    this.#timer = this.#deps.clock.setTimeout(() => {
      this.#timer = undefined;
      void this.#poll();
    }, ms);
  }

  async #poll(): Promise<void> {
    const { options, log, category } = this.#deps;
    this.#polling = true;
    let found = 0;
    try {
      found = await this.#receive();
    } catch (error) {
      log({
        level: 'warning',
        category,
        message: `Polling queue '${this.#deps.queue.name}' failed: ${(error as Error).message}`,
      });
    }
    if (found > 0) {
      this.#delayMs = MIN_POLLING_INTERVAL_MS;
      while (this.#inFlight.size > options.newBatchThreshold) await Promise.race(this.#inFlight);
      this.#polling = false;
      this.#schedule(0);
      return;
    }
    this.#polling = false;
    const delay = this.#delayMs;
    this.#delayMs = Math.min(this.#delayMs * 2, options.maxPollingIntervalMs);
    this.#schedule(delay);
  }

  async #receive(): Promise<number> {
    const { queue, options } = this.#deps;
    let items: DequeuedMessageItem[];
    try {
      const response = await queue.receiveMessages({
        numberOfMessages: options.batchSize,
        visibilityTimeout: LEASE_SECONDS,
      });
      items = response.receivedMessageItems;
    } catch (error) {
      if (restStatus(error) === 404) return 0; // no queue yet: as empty
      throw error;
    }
    for (const message of items) {
      const task = this.#process(message).finally(() => this.#inFlight.delete(task));
      this.#inFlight.add(task);
    }
    return items.length;
  }

  async #process(message: DequeuedMessageItem): Promise<void> {
    const { options, log, category } = this.#deps;
    try {
      if (message.dequeueCount > options.maxDequeueCount) return await this.#moveToPoison(message);
      const text = decodeMessage(message.messageText, options.messageEncoding);
      if (text === undefined) {
        log({
          level: 'warning',
          category,
          message: `Message ${message.messageId} is not valid Base64 (host.json extensions.queues.messageEncoding is 'base64'); moving it to the poison queue.`,
        });
        return await this.#moveToPoison(message);
      }
      const lease = this.#renewWhileRunning(message);
      const succeeded = await this.#deps.handle(message, text).finally(() => lease.stop());
      await this.#complete({ ...message, popReceipt: lease.stop() }, succeeded);
    } catch (error) {
      log({
        level: 'warning',
        category,
        message: `Settling queue message ${message.messageId} failed: ${(error as Error).message}`,
      });
    }
  }

  async #complete(message: DequeuedMessageItem, succeeded: boolean): Promise<void> {
    const { queue, poison, options } = this.#deps;
    if (succeeded) {
      await queue.deleteMessage(message.messageId, message.popReceipt);
    } else if (poison && message.dequeueCount >= options.maxDequeueCount) {
      await this.#moveToPoison(message);
    } else if (poison) {
      // Visible again after visibilityTimeout for the next try (kept hidden when there is no poison queue).
      await queue.updateMessage(
        message.messageId,
        message.popReceipt,
        undefined,
        Math.ceil(options.visibilityTimeoutMs / 1000),
      );
    }
  }

  async #moveToPoison(message: DequeuedMessageItem): Promise<void> {
    const { queue, poison, options, log, category } = this.#deps;
    if (!poison) return;
    log({
      level: 'warning',
      category,
      message: `Message has reached MaxDequeueCount of ${options.maxDequeueCount}. Moving message to queue '${poison.name}'.`,
    });
    await sendCreatingQueue(poison, message.messageText);
    await queue.deleteMessage(message.messageId, message.popReceipt);
  }

  /** Keeps the message hidden while its function runs; returns the latest pop receipt when stopped. */
  #renewWhileRunning(message: DequeuedMessageItem): { stop(): string } {
    const { clock, queue } = this.#deps;
    let popReceipt = message.popReceipt;
    let timer: ClockTimer | undefined;
    const renew = (): void => {
      timer = clock.setTimeout(
        () => {
          void queue.updateMessage(message.messageId, popReceipt, undefined, LEASE_SECONDS).then(
            (r) => {
              popReceipt = r.popReceipt ?? popReceipt;
              if (timer !== undefined) renew();
            },
            () => undefined,
          );
        },
        (LEASE_SECONDS * 1000) / 2,
      );
    };
    renew();
    return {
      stop: () => {
        if (timer !== undefined) clock.clearTimeout(timer);
        timer = undefined;
        return popReceipt;
      },
    };
  }
}
