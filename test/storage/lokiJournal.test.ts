import { appendFileSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LokiJournal, type LokiCollection, type LokiDatabase } from '../../local/storage/lokiJournal.js';

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
async function open(file: string, compactAtBytes?: number): Promise<{ db: LokiDatabase; journal: LokiJournal }> {
  const db = new Loki(file, { persistenceMethod: 'fs', autosave: true, autosaveInterval: 60_000 });
  if (existsSync(file)) {
    await new Promise<void>((resolve, reject) => db.loadDatabase({}, (error) => (error ? reject(error) : resolve())));
  }
  return { db, journal: await LokiJournal.open(db, file, { compactAtBytes }) };
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
    appendFileSync(`${file}.journal`, '{"collection":"entities","id":99,"doc":{"Partit');
    expect(rows((await open(file)).db)).toEqual(EXPECTED);

    const damaged = dbFile();
    const opened = await open(damaged);
    await writeSome(opened.db, opened.journal);
    const lines = readFileSync(`${damaged}.journal`, 'utf8').split('\n');
    lines[1] = 'not json';
    writeFileSync(`${damaged}.journal`, lines.join('\n'));
    await expect(open(damaged)).rejects.toThrow(`${damaged}.journal:2 is not a journal entry`);
  });
});
