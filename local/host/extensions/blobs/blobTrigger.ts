import { restStatus } from '../../../shared/lazyModule.js';
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import type { DequeuedMessageItem, QueueServiceClient } from '@azure/storage-queue';
import type { Clock, ClockTimer } from '../../../shared/clock.js';
import { toRpcMetadata } from '../../codec/index.js';
import type { FunctionInfo } from '../../core/functionIndex.js';
import type { TriggerHost } from '../shared/bindingAdapter.js';
import { QueueListener } from '../queues/listener.js';
import { encodeMessage, sendCreatingQueue } from '../queues/message.js';
import { blobPattern } from './blobPath.js';
import { blobData } from './blobIo.js';
import type { BlobsOptions } from './options.js';

/** How often each blob trigger lists its container (a write by this host's blob output wakes it sooner). */
export const SCAN_INTERVAL_MS = 10_000;
export const BLOB_POISON_QUEUE = 'webjobs-blobtrigger-poison';

/** What the scan enqueues for each new blob version, as the host's blob trigger queue message says it. */
type BlobTriggerMessage = {
  Type: 'BlobTrigger';
  FunctionId: string;
  BlobType: string;
  ContainerName: string;
  BlobName: string;
  ETag: string;
};

type Registered = {
  fn: FunctionInfo;
  host: TriggerHost;
  blobs: BlobServiceClient;
  pattern: ReturnType<typeof blobPattern>;
};

/**
 * Blob triggers as the host runs them by scanning: each function's container is listed; a blob version (ETag)
 * without a receipt in `azure-webjobs-hosts/blobreceipts/<hostId>/<function>/<etag>/…` is put on the host's queue
 * `azure-webjobs-blobtrigger-<hostId>` and given a receipt; the queue's messages run the function, and a receipt
 * is marked completed when it succeeds, so each version runs once, across restarts. After `poisonBlobThreshold`
 * failed runs the message goes to `webjobs-blobtrigger-poison` instead.
 */
export class BlobTriggers {
  readonly #functions = new Map<string, Registered>();
  readonly #scans = new Map<string, ClockTimer>();
  readonly #hostsContainer: ContainerClient;
  readonly #listener: QueueListener;
  readonly #hostId: string;
  readonly #clock: Clock;
  #started = false;

  constructor(deps: {
    hostsContainer: ContainerClient;
    queues: QueueServiceClient;
    hostId: string;
    options: BlobsOptions;
    clock: Clock;
    log: TriggerHost['log'];
  }) {
    this.#hostsContainer = deps.hostsContainer;
    this.#hostId = deps.hostId;
    this.#clock = deps.clock;
    const queue = deps.queues.getQueueClient(`azure-webjobs-blobtrigger-${deps.hostId}`);
    this.#listener = new QueueListener({
      category: 'Host.Triggers.Blob',
      log: deps.log,
      queue,
      poison: deps.queues.getQueueClient(BLOB_POISON_QUEUE),
      clock: deps.clock,
      options: {
        batchSize: Math.min(32, deps.options.maxDegreeOfParallelism),
        newBatchThreshold: Math.floor(deps.options.maxDegreeOfParallelism / 2),
        maxPollingIntervalMs: 60_000,
        visibilityTimeoutMs: 0,
        maxDequeueCount: deps.options.poisonBlobThreshold,
        messageEncoding: 'base64',
      },
      handle: (message, text) => this.#run(message, text),
    });
  }

  add(registered: Registered): { close(): Promise<void> } {
    const id = `Host.Functions.${registered.fn.name}`;
    this.#functions.set(id, registered);
    if (!this.#started) this.#listener.start();
    this.#started = true;
    this.#armScan(id, 0);
    return {
      close: async () => {
        this.#functions.delete(id);
        const timer = this.#scans.get(id);
        if (timer !== undefined) this.#clock.clearTimeout(timer);
        this.#scans.delete(id);
        if (this.#functions.size === 0) await this.#listener.close();
      },
    };
  }

  /** A blob was written to `container` by this host: scan the functions watching it now. */
  notify(container: string): void {
    for (const [id, registered] of this.#functions)
      if (registered.pattern.container === container) this.#armScan(id, 0);
  }

  #armScan(id: string, ms: number): void {
    const previous = this.#scans.get(id);
    if (previous !== undefined) this.#clock.clearTimeout(previous);
    this.#scans.set(
      id,
      this.#clock.setTimeout(() => {
        const registered = this.#functions.get(id);
        if (!registered) return;
        void this.#scan(id, registered)
          .catch((error: Error) =>
            registered.host.log({
              level: 'warning',
              category: `Function.${registered.fn.name}`,
              message: `Blob scan failed: ${error.message}`,
            }),
          )
          .finally(() => this.#functions.has(id) && this.#armScan(id, SCAN_INTERVAL_MS));
      }, ms),
    );
  }

  async #scan(id: string, { blobs, pattern }: Registered): Promise<void> {
    const container = blobs.getContainerClient(pattern.container);
    try {
      for await (const blob of container.listBlobsFlat({ prefix: pattern.prefix })) {
        if (!pattern.match(blob.name)) continue;
        const etag = (blob.properties.etag ?? '').replace(/"/g, '');
        const receipt = this.#hostsContainer.getBlockBlobClient(
          `blobreceipts/${this.#hostId}/${id}/${etag}/${pattern.container}/${blob.name}`,
        );
        if (await receipt.exists()) continue;
        const message: BlobTriggerMessage = {
          Type: 'BlobTrigger',
          FunctionId: id,
          BlobType: blob.properties.blobType ?? 'BlockBlob',
          ContainerName: pattern.container,
          BlobName: blob.name,
          ETag: etag,
        };
        // Enqueued before the receipt is written: a crash in between enqueues again, and the run finds it done.
        await this.#hostsContainer.createIfNotExists();
        await sendCreatingQueue(this.#listener.queue, encodeMessage(message, 'base64'));
        await receipt
          .upload('', 0, { metadata: { iscompleted: 'false' }, conditions: { ifNoneMatch: '*' } })
          .catch(ignoreConflict);
        this.#listener.notify();
      }
    } catch (error) {
      if (!(restStatus(error) === 404)) throw error; // no container yet: nothing to do
    }
  }

  async #run(_message: DequeuedMessageItem, text: string): Promise<boolean> {
    const job = JSON.parse(text) as BlobTriggerMessage;
    const registered = this.#functions.get(job.FunctionId);
    if (!registered) return true; // the function is gone: the message has nothing left to do
    const { fn, host, blobs, pattern } = registered;
    const receipt = this.#hostsContainer.getBlockBlobClient(
      `blobreceipts/${this.#hostId}/${job.FunctionId}/${job.ETag}/${job.ContainerName}/${job.BlobName}`,
    );
    const done = await receipt.getProperties().then(
      (p) => p.metadata?.iscompleted === 'true',
      () => false,
    );
    if (done) return true;
    const blob = blobs.getContainerClient(job.ContainerName).getBlobClient(job.BlobName);
    let properties;
    try {
      properties = await blob.getProperties();
    } catch (error) {
      if (restStatus(error) === 404) return true; // deleted since: nothing to run
      throw error;
    }
    if ((properties.etag ?? '').replace(/"/g, '') !== job.ETag) return true; // a newer version has its own message
    const captures = pattern.match(job.BlobName) ?? {};
    const content = await blob.downloadToBuffer();
    const contract = {
      BlobTrigger: `${job.ContainerName}/${job.BlobName}`,
      Uri: blob.url,
      Properties: blobProperties(properties),
      Metadata: properties.metadata ?? {},
    };
    const result = await host.invoke(fn.name, {
      triggerData: blobData(content, fn.trigger.dataType),
      triggerMetadata: toRpcMetadata({ ...captures, ...contract }),
      bindingData: { ...captures, BlobTrigger: contract.BlobTrigger, Uri: contract.Uri },
      reason: `New blob detected(LogsAndContainerScan): ${job.ContainerName}/${job.BlobName}`,
      details: `Trigger Details: BlobCreated: ${properties.createdOn?.toISOString()}, BlobLastModified: ${properties.lastModified?.toISOString()}`,
    });
    if (result.succeeded) await receipt.setMetadata({ iscompleted: 'true' });
    return result.succeeded;
  }
}

function ignoreConflict(error: unknown): void {
  if (!(restStatus(error) === 409 || restStatus(error) === 412)) throw error;
}

/** The blob's properties under the .NET SDK's names, as the trigger metadata carries them. */
function blobProperties(
  p: Awaited<ReturnType<ReturnType<ContainerClient['getBlobClient']>['getProperties']>>,
): Record<string, unknown> {
  return {
    BlobType: p.blobType,
    ContentLength: p.contentLength,
    ContentType: p.contentType,
    ContentEncoding: p.contentEncoding,
    ContentMD5: p.contentMD5 ? Buffer.from(p.contentMD5).toString('base64') : undefined,
    CreatedOn: p.createdOn,
    LastModified: p.lastModified,
    ETag: p.etag,
    AccessTier: p.accessTier,
    LeaseState: p.leaseState,
  };
}
