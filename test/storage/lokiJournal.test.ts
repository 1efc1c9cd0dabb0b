import {
  appendFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LokiJournal, type LokiCollection, type LokiDatabase } from '../../local/storage/lokiJournal.js';
import { tmpfsTestName, tmpfsUnavailable, withTmpfs } from '../support/tmpfs.js';

// LokiJS as Azurite uses it: resolved from Azurite's own dependencies.
const require = createRequire(import.meta.url);
const Loki = createRequire(require.resolve('azurite/package.json'))('lokijs') as new (
  file: string,
  options: object,
) => LokiDatabase & { loadDatabase(options: object, callback: (error?: Error) => void): void };

type Row = { PartitionKey: string; RowKey: string; value: number };

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dbFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'loki-journal-'));
  dirs.push(dir);
  return join(dir, 'db.json');
}

/** A database as Azurite opens one: loaded from its file if there is one, with a journal on top. */
async function open(
  file: string,
  compactAtBytes?: number,
  now?: () => number,
): Promise<{ db: LokiDatabase; journal: LokiJournal }> {
  const db = new Loki(file, { persistenceMethod: 'fs', autosave: true, autosaveInterval: 60_000 });
  if (existsSync(file)) {
    await new Promise<void>((resolve, reject) => db.loadDatabase({}, (error) => (error ? reject(error) : resolve())));
  }
  return { db, journal: await LokiJournal.open(db, file, { compactAtBytes, now }) };
}

const flush = (journal: LokiJournal) =>
  new Promise<void>((resolve, reject) => journal.flush((error) => (error ? reject(error) : resolve())));

function rows(db: LokiDatabase, name = 'entities'): Row[] {
  const collection = db.getCollection(name) as (LokiCollection & { find(query?: object): Row[] }) | null;
  return (collection?.find() ?? []).map(({ PartitionKey, RowKey, value }) => ({ PartitionKey, RowKey, value }));
}

function findOne(db: LokiDatabase, partitionKey: string, rowKey: string): Row | null {
  const collection = db.getCollection('entities') as LokiCollection & { findOne(query: object): Row | null };
  return collection.findOne({ PartitionKey: partitionKey, RowKey: rowKey });
}

/** The writes Azurite makes: inserts, an update as remove + insert, an in-place update, a removal. */
async function writeSome(db: LokiDatabase, journal: LokiJournal): Promise<void> {
  const entities = db.addCollection('entities', { indices: ['PartitionKey', 'RowKey'] }) as LokiCollection & {
    insert(doc: object): Row & { $loki: number };
    findOne(query: object): (Row & { $loki: number }) | null;
  };
  for (let i = 0; i < 5; i++) entities.insert({ PartitionKey: 'p', RowKey: `r${i}`, value: i });
  const replaced = entities.findOne({ RowKey: 'r1' })!;
  entities.remove(replaced);
  entities.insert({ PartitionKey: 'p', RowKey: 'r1', value: 10 });
  const updated = entities.findOne({ RowKey: 'r3' })!;
  updated.value = 30;
  entities.update(updated);
  entities.remove(entities.findOne({ RowKey: 'r4' })!);
  await flush(journal);
}

const EXPECTED: Row[] = [
  { PartitionKey: 'p', RowKey: 'r0', value: 0 },
  { PartitionKey: 'p', RowKey: 'r2', value: 2 },
  { PartitionKey: 'p', RowKey: 'r3', value: 30 },
  { PartitionKey: 'p', RowKey: 'r1', value: 10 },
];

describe('LokiJournal', () => {
  it('brings back every flushed change after a crash (no close), with working indexes and fresh ids', async () => {
    const file = dbFile();
    const first = await open(file);
    await writeSome(first.db, first.journal);
    // Crash: the process is gone without close(); only the journal has the changes.
    const second = await open(file);
    expect(rows(second.db)).toEqual(EXPECTED);
    expect(findOne(second.db, 'p', 'r3')?.value).toBe(30); // binary index rebuilt
    expect(findOne(second.db, 'p', 'r4')).toBeNull();
    // Replay folded the journal into the snapshot; new writes get ids after the replayed ones.
    expect(readFileSync(`${file}.journal`, 'utf8')).toBe('');
    const entities = second.db.getCollection('entities') as LokiCollection & { insert(doc: object): { $loki: number } };
    expect(entities.insert({ PartitionKey: 'p', RowKey: 'r5', value: 5 }).$loki).toBeGreaterThan(
      Math.max(...entities.idIndex.slice(0, -1)),
    );
    await flush(second.journal);
    const third = await open(file);
    expect(rows(third.db)).toHaveLength(5);
  });

  it('folds the journal into the snapshot at close, leaving only the database file', async () => {
    const file = dbFile();
    const { db, journal } = await open(file);
    await writeSome(db, journal);
    await journal.close();
    expect(existsSync(`${file}.journal`)).toBe(false);
    expect(existsSync(`${file}.journal.old`)).toBe(false);
    const reopened = new Loki(file, { persistenceMethod: 'fs' });
    await new Promise<void>((resolve) => reopened.loadDatabase({}, () => resolve()));
    expect(rows(reopened)).toEqual(EXPECTED);
  });

  it('keeps changes made while a compaction runs when closing right after', async () => {
    const file = dbFile();
    const { db, journal } = await open(file, 1);
    await writeSome(db, journal); // its batch starts a compaction
    const entities = db.getCollection('entities') as LokiCollection & { insert(doc: object): unknown };
    entities.insert({ PartitionKey: 'p', RowKey: 'late', value: 7 });
    await journal.close();
    const reopened = await open(file);
    expect(findOne(reopened.db, 'p', 'late')?.value).toBe(7);
    expect(rows(reopened.db)).toHaveLength(EXPECTED.length + 1);
  });

  it('compacts once the journal passes its size limit, and survives a crash in the middle of compacting', async () => {
    const file = dbFile();
    const { db, journal } = await open(file, 1); // every write compacts
    await writeSome(db, journal);
    await journal.compacted();
    // Everything is in the snapshot now: the database file alone, without any journal, holds it.
    rmSync(`${file}.journal`);
    expect(existsSync(`${file}.journal.old`)).toBe(false);
    expect(rows((await open(file)).db)).toEqual(EXPECTED);

    // A crash after renaming the journal aside but before the new snapshot landed: both journals are replayed.
    const other = dbFile();
    const crashed = await open(other);
    await writeSome(crashed.db, crashed.journal);
    renameSync(`${other}.journal`, `${other}.journal.old`);
    writeFileSync(`${other}.journal`, '');
    expect(rows((await open(other)).db)).toEqual(EXPECTED);
  });

  it('skips a torn last line (a write never acknowledged) but refuses a damaged journal', async () => {
    const file = dbFile();
    const { db, journal } = await open(file);
    await writeSome(db, journal);
    appendFileSync(`${file}.journal`, '[{"collection":"entities","id":99,"doc":{"Partit');
    expect(rows((await open(file)).db)).toEqual(EXPECTED);

    const damaged = dbFile();
    const opened = await open(damaged);
    await writeSome(opened.db, opened.journal);
    const entities = opened.db.getCollection('entities') as LokiCollection & { insert(doc: object): unknown };
    entities.insert({ PartitionKey: 'p', RowKey: 'later', value: 1 });
    await flush(opened.journal);
    const lines = readFileSync(`${damaged}.journal`, 'utf8').split('\n');
    lines[0] = 'not json';
    writeFileSync(`${damaged}.journal`, lines.join('\n'));
    await expect(open(damaged)).rejects.toThrow(`${damaged}.journal:1 is not a journal entry`);
  });

  it('replays a journal written one entry per line, as earlier versions wrote it', async () => {
    const file = dbFile();
    const { db, journal } = await open(file);
    const entities = db.addCollection('entities', { indices: ['PartitionKey', 'RowKey'] }) as LokiCollection & {
      insert(doc: object): unknown;
    };
    entities.insert({ PartitionKey: 'p', RowKey: 'r0', value: 0 });
    await journal.close();
    // A replace of r0 (id 1) as the old journal wrote it: the remove and the insert on lines of their own.
    writeFileSync(
      `${file}.journal`,
      `${JSON.stringify({ collection: 'entities', id: 1, removed: true })}\n` +
        `${JSON.stringify({ collection: 'entities', id: 2, doc: { PartitionKey: 'p', RowKey: 'r0', value: 5 } })}\n`,
    );
    expect(rows((await open(file)).db)).toEqual([{ PartitionKey: 'p', RowKey: 'r0', value: 5 }]);
  });

  it('journals a replace (Azurite: remove + insert) as one line, so a torn tail keeps the previous value', async () => {
    const file = dbFile();
    const { db, journal } = await open(file);
    await writeSome(db, journal);
    const entities = db.getCollection('entities') as LokiCollection & {
      insert(doc: object): unknown;
      findOne(query: object): (Row & { $loki: number }) | null;
    };
    entities.remove(entities.findOne({ RowKey: 'r2' })!);
    entities.insert({ PartitionKey: 'p', RowKey: 'r2', value: 20 });
    await flush(journal);
    const after = statSync(`${file}.journal`).size;
    // A crash that got most of that append to disk but not its end: the replace was never acknowledged.
    truncateSync(`${file}.journal`, after - 5);
    expect(findOne((await open(file)).db, 'p', 'r2')?.value).toBe(2);
  });

  it('appends only while no write is half done, so one write never spans two lines', async () => {
    const file = dbFile();
    const { db, journal } = await open(file);
    await writeSome(db, journal);
    const before = statSync(`${file}.journal`).size;
    const entities = db.getCollection('entities') as LokiCollection & { insert(doc: object): unknown };
    const release = journal.hold(); // a batch transaction: its first operation is done, the second is to come
    entities.insert({ PartitionKey: 'p', RowKey: 'batch-1', value: 1 });
    const otherAnswer = flush(journal); // another request's answer, due meanwhile: it must not cut the batch
    entities.insert({ PartitionKey: 'p', RowKey: 'batch-2', value: 2 });
    const batchAnswer = flush(journal);
    release();
    await Promise.all([otherAnswer, batchAnswer]);
    const appended = readFileSync(`${file}.journal`, 'utf8').slice(before).trimEnd().split('\n');
    expect(appended).toHaveLength(1);
    expect(appended[0]).toContain('batch-1');
    expect(appended[0]).toContain('batch-2');
  });
});

describe('LokiJournal on a full disk', () => {
  it.skipIf(tmpfsUnavailable)(
    tmpfsTestName(
      'refuses a write it cannot append whole, undoes it in memory, and takes writes again once there is room',
    ),
    () =>
      withTmpfs(1024 * 1024, async (disk) => {
        let now = 0;
        const file = join(disk.dir, 'db.json');
        const opened = await open(file, undefined, () => now);
        const { db, journal } = opened;
        await writeSome(db, journal);
        const before = statSync(`${file}.journal`).size;
        const ballast = disk.fill('ballast', 8 * 1024);
        const entities = db.getCollection('entities') as LokiCollection & {
          insert(doc: object): unknown;
          findOne(query: object): (Row & { $loki: number }) | null;
        };
        // A replace whose new value does not fit: before, part of it was written, and the write acknowledged.
        entities.remove(entities.findOne({ RowKey: 'r0' })!);
        entities.insert({ PartitionKey: 'p', RowKey: 'r0', value: 100, padding: 'x'.repeat(64 * 1024) });
        await expect(flush(journal)).rejects.toMatchObject({ code: 'ENOSPC' });
        // Not visible: memory is what the disk holds, the journal cut back to its last whole line.
        expect(findOne(db, 'p', 'r0')?.value).toBe(0);
        expect(rows(db)).toEqual(EXPECTED);
        expect(statSync(`${file}.journal`).size).toBe(before);
        expect(journal.refusal()).toMatchObject({ code: 'ENOSPC' });
        expect(journal.health()).toMatchObject({ diskFull: true, lastWriteError: expect.stringContaining('ENOSPC') });

        rmSync(ballast);
        expect(journal.health().diskFull).toBe(true); // for a moment after the failure, even with room
        now += 1_000;
        expect(journal.refusal()).toBeUndefined();
        expect(journal.health().diskFull).toBe(false);
        entities.insert({ PartitionKey: 'p', RowKey: 'r9', value: 9 });
        await flush(journal);
        // A crash now: the disk holds every acknowledged write and nothing of the refused one.
        expect(rows((await open(file)).db)).toEqual([...EXPECTED, { PartitionKey: 'p', RowKey: 'r9', value: 9 }]);
      }),
  );
});
