import { restStatus } from '../../../shared/lazyModule.js';
import type { BlobServiceClient, ContainerClient } from '@azure/storage-blob';
import type { RpcTypedData } from '../../../rpc/types.js';
import { fromRpcTypedData } from '../../codec/index.js';

/** A blob's content as its binding's `dataType` asks: text for `string`, else bytes (what the Node library gets). */
export function blobData(content: Buffer, dataType: unknown): RpcTypedData {
  return dataType === 'string' ? { string: content.toString('utf8') } : { bytes: content };
}

/** The bytes an output value writes: text as UTF-8, bytes as they are, anything else as JSON. */
export function blobBytes(value: RpcTypedData): Buffer {
  const data = fromRpcTypedData(value);
  if (Buffer.isBuffer(data)) return data;
  return Buffer.from(typeof data === 'string' ? data : JSON.stringify(data));
}

/** The blob's content, or undefined when there is no such blob (or container). */
export async function readBlob(
  service: BlobServiceClient,
  container: string,
  name: string,
): Promise<Buffer | undefined> {
  try {
    return await service.getContainerClient(container).getBlobClient(name).downloadToBuffer();
  } catch (error) {
    if (restStatus(error) === 404) return undefined;
    throw error;
  }
}

/** Writes a block blob, creating its container when it does not exist yet. */
export async function writeBlob(container: ContainerClient, name: string, bytes: Buffer): Promise<void> {
  const upload = () => container.getBlockBlobClient(name).uploadData(bytes);
  try {
    await upload();
  } catch (error) {
    if (!(restStatus(error) === 404)) throw error;
    await container.createIfNotExists();
    await upload();
  }
}
