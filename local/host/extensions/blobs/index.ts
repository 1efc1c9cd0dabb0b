import type { BindingInfo } from '../../core/functionIndex.js';
import type { BindingContext } from '../shared/bindingAdapter.js';
import { defineExtension } from '../shared/extension.js';
import { functionsHostId } from '../shared/hostId.js';
import {
  HOSTS_CONTAINER,
  STORAGE_CONNECTION_FORMS,
  STORAGE_SERVICE,
  storageAccount,
  type StorageEmulator,
} from '../shared/storageAccount.js';
import { blobBytes, blobData, readBlob, writeBlob } from './blobIo.js';
import { blobPattern, splitBlobPath } from './blobPath.js';
import { BlobTriggers } from './blobTrigger.js';
import { parseBlobsOptions } from './options.js';

function pathOf(binding: BindingInfo, where: string): { container: string; blob: string } {
  return splitBlobPath(typeof binding.path === 'string' ? binding.path : '', where);
}

/** Blobs: `blobTrigger` (container scans with receipts), the `blob` input and output, on Azurite's blob service. */
export const blobsExtension = defineExtension({
  name: 'blobs',
  bindingTypes: ['blobTrigger', 'blob'],
  connectionForms: STORAGE_CONNECTION_FORMS,
  services: [STORAGE_SERVICE],
  parseOptions: parseBlobsOptions,
  start({ options, service, setting, clock, log }) {
    const emulator = service<StorageEmulator>(STORAGE_SERVICE);
    let triggers: BlobTriggers | undefined;
    const account = (binding: BindingInfo, ctx: Pick<BindingContext, 'functionName' | 'setting'>) =>
      storageAccount(
        binding.connection,
        ctx.setting,
        emulator,
        `Function '${ctx.functionName}', binding '${binding.name}'`,
      );
    return {
      bindings: [
        {
          type: 'blobTrigger',
          async startTrigger(fn, host) {
            const where = `Function '${fn.name}'`;
            const pattern = blobPattern(typeof fn.trigger.path === 'string' ? fn.trigger.path : '', where);
            const blobs = account(fn.trigger, { functionName: fn.name, setting: host.setting }).blobs();
            if (!triggers) {
              // Receipts and the trigger queue live in the host's own storage (AzureWebJobsStorage).
              const hostStorage = storageAccount(undefined, setting, emulator, `${where} (blob receipts)`);
              triggers = new BlobTriggers({
                hostsContainer: hostStorage.blobs().getContainerClient(HOSTS_CONTAINER),
                queues: hostStorage.queues(),
                hostId: functionsHostId(setting),
                options,
                clock,
                log,
              });
            }
            return triggers.add({ fn, host, blobs, pattern });
          },
        },
        {
          type: 'blob',
          async bindInput(binding, ctx) {
            const { container, blob } = pathOf(binding, `Function '${ctx.functionName}', binding '${binding.name}'`);
            const content = await readBlob(account(binding, ctx).blobs(), container, blob);
            return content === undefined ? undefined : blobData(content, binding.dataType);
          },
          async applyOutput(binding, value, ctx) {
            const { container, blob } = pathOf(binding, `Function '${ctx.functionName}', binding '${binding.name}'`);
            await writeBlob(account(binding, ctx).blobs().getContainerClient(container), blob, blobBytes(value));
            triggers?.notify(container);
          },
        },
      ],
    };
  },
});
