import { BlobServiceClient, StorageSharedKeyCredential } from '@azure/storage-blob';
import { describe, expect, it } from 'vitest';
import { BlobRequestError, HostContainer } from '../../local/host/extensions/shared/hostContainer.js';
import { useStorageEmulator } from '../support/azurite.js';

const storage = useStorageEmulator();

function sdkContainer(name: string) {
  const { blobEndpoint, accountName, accountKey } = storage();
  const service = new BlobServiceClient(blobEndpoint, new StorageSharedKeyCredential(accountName, accountKey));
  return service.getContainerClient(name);
}

function hostContainer(name: string, accountKey = storage().accountKey): HostContainer {
  const { blobEndpoint, accountName } = storage();
  return new HostContainer({ endpoint: blobEndpoint, accountName, accountKey }, name);
}

describe("the host's container over Blob REST, against Azurite", () => {
  it('creates the container once, and creating it again is fine', async () => {
    const container = hostContainer('hosts-create');
    await container.createIfNotExists();
    await container.createIfNotExists();
    expect(await sdkContainer('hosts-create').exists()).toBe(true);
  });

  it('writes blobs the Blob SDK reads, and reads what the SDK wrote, in nested names', async () => {
    const container = hostContainer('hosts-rw');
    await container.createIfNotExists();
    const name = 'timers/host-id/Host.Functions.every_minute/status';
    await container.write(name, '{"Last":"0001-01-01T00:00:00"}');
    const downloaded = await sdkContainer('hosts-rw').getBlobClient(name).downloadToBuffer();
    expect(downloaded.toString('utf8')).toBe('{"Last":"0001-01-01T00:00:00"}');

    const text = 'über → written by the SDK';
    await sdkContainer('hosts-rw').getBlockBlobClient(name).upload(text, Buffer.byteLength(text));
    expect((await container.read(name))?.toString('utf8')).toBe(text);
  });

  it('reads no blob, and no container, as undefined', async () => {
    const container = hostContainer('hosts-missing');
    expect(await container.read('timers/none/status')).toBeUndefined();
    await container.createIfNotExists();
    expect(await container.read('timers/none/status')).toBeUndefined();
  });

  it('makes a missing container on the first write', async () => {
    const container = hostContainer('hosts-first-write');
    await container.write('timers/a/status', '{}');
    expect((await container.read('timers/a/status'))?.toString('utf8')).toBe('{}');
  });

  it('refuses a wrong account key with the status and error code Azurite answered', async () => {
    const container = hostContainer('hosts-bad-key', Buffer.from('not the emulator key').toString('base64'));
    const failure = await container.write('timers/a/status', '{}').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(BlobRequestError);
    expect(failure).toMatchObject({ statusCode: 403, code: 'AuthorizationFailure' });
    expect((failure as Error).message).toMatch(
      /answered 403 \(AuthorizationFailure\) to write 'hosts-bad-key\/timers\/a\/status'/,
    );
  });
});
