import { fdatasync, write } from 'node:fs';
import { open, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Appends all of `buffer` to `fd` (opened for appending) and fdatasyncs it. A write may take only part of the
 * buffer — on a filling disk it does, without an error — so it goes on with the rest until all is written or a
 * write fails; the caller then cuts the file back.
 */
export function appendDurably(fd: number, buffer: Buffer, callback: (error?: Error | null) => void): void {
  const from = (offset: number): void => {
    write(fd, buffer, offset, buffer.length - offset, null, (error, written) => {
      if (error) return callback(error);
      if (written === 0) return callback(Object.assign(new Error('The journal write wrote nothing.'), { code: 'EIO' }));
      if (offset + written < buffer.length) return from(offset + written);
      fdatasync(fd, callback);
    });
  };
  from(0);
}

/** The LokiJS database in full to `file`, through a temporary file and a rename, fsynced with its folder. */
export async function writeSnapshot(db: { serialize(): string }, file: string): Promise<void> {
  // Serialised now, in the caller's tick: the snapshot holds every change made before this call.
  const text = db.serialize();
  const temporary = `${file}~`;
  try {
    await writeFile(temporary, text);
    await syncPath(temporary);
    await rename(temporary, file);
  } catch (error) {
    // A half-written copy on a full disk would hold on to the little room left.
    await rm(temporary, { force: true });
    throw error;
  }
  await syncPath(dirname(file));
}

async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
