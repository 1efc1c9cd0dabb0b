import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { once } from 'node:events';
import { crc32, deflateRawSync } from 'node:zlib';

/**
 * A minimal zip writer (deflate or store, no zip64) so publishing needs no system `zip`. Entries get a fixed
 * timestamp, so the same files always make the same archive.
 */
const LOCAL_HEADER = 0x04034b50;
const CENTRAL_HEADER = 0x02014b50;
const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
const VERSION = 20;
const MADE_BY_UNIX = (3 << 8) | VERSION;
const UTF8_NAMES = 0x0800;
const DEFLATE = 8;
const STORE = 0;
/** 1980-01-01 00:00, the zip epoch. */
const DOS_DATE = (0 << 9) | (1 << 5) | 1;
const DOS_TIME = 0;
const MAX = 0xffffffff;

export type ZipEntry = { name: string; file: string };

export async function writeZip(target: string, entries: readonly ZipEntry[]): Promise<void> {
  if (entries.length > 0xffff) throw new Error(`Too many files for a zip without zip64: ${entries.length}`);
  const out = createWriteStream(target);
  const central: Buffer[] = [];
  let offset = 0;
  const write = async (chunk: Buffer): Promise<void> => {
    offset += chunk.length;
    if (!out.write(chunk)) await once(out, 'drain');
  };
  try {
    for (const entry of entries) {
      const name = Buffer.from(entry.name.split(path.sep).join('/'), 'utf8');
      const data = await readFile(entry.file);
      const deflated = deflateRawSync(data);
      const useDeflate = deflated.length < data.length;
      const body = useDeflate ? deflated : data;
      if (offset > MAX || body.length > MAX) throw new Error('The package is too large for a zip without zip64');
      const fields = {
        method: useDeflate ? DEFLATE : STORE,
        crc: crc32(data),
        compressed: body.length,
        size: data.length,
      };
      const local = Buffer.alloc(30);
      local.writeUInt32LE(LOCAL_HEADER, 0);
      local.writeUInt16LE(VERSION, 4);
      writeCommon(local, 6, fields, name.length);
      central.push(centralHeader(fields, name, offset));
      await write(local);
      await write(name);
      await write(body);
    }
    const directory = Buffer.concat(central);
    const end = Buffer.alloc(22);
    end.writeUInt32LE(END_OF_CENTRAL_DIRECTORY, 0);
    end.writeUInt16LE(entries.length, 8);
    end.writeUInt16LE(entries.length, 10);
    end.writeUInt32LE(directory.length, 12);
    end.writeUInt32LE(offset, 16);
    await write(directory);
    await write(end);
  } finally {
    out.end();
    await once(out, 'close');
  }
}

type Fields = { method: number; crc: number; compressed: number; size: number };

/** Flags through name length: the part local and central headers share (central has it 4 bytes later). */
function writeCommon(buffer: Buffer, at: number, fields: Fields, nameLength: number): void {
  buffer.writeUInt16LE(UTF8_NAMES, at);
  buffer.writeUInt16LE(fields.method, at + 2);
  buffer.writeUInt16LE(DOS_TIME, at + 4);
  buffer.writeUInt16LE(DOS_DATE, at + 6);
  buffer.writeUInt32LE(fields.crc, at + 8);
  buffer.writeUInt32LE(fields.compressed, at + 12);
  buffer.writeUInt32LE(fields.size, at + 16);
  buffer.writeUInt16LE(nameLength, at + 20);
}

function centralHeader(fields: Fields, name: Buffer, localOffset: number): Buffer {
  const header = Buffer.alloc(46);
  header.writeUInt32LE(CENTRAL_HEADER, 0);
  header.writeUInt16LE(MADE_BY_UNIX, 4);
  header.writeUInt16LE(VERSION, 6);
  writeCommon(header, 8, fields, name.length);
  // rw-r--r-- regular file, so the Linux host can read every file.
  header.writeUInt32LE((0o100644 << 16) >>> 0, 38);
  header.writeUInt32LE(localOffset, 42);
  return Buffer.concat([header, name]);
}
