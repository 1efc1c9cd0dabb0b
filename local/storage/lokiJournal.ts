import {
  closeSync,
  existsSync,
  fdatasync,
  fsyncSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  write,
} from 'node:fs';
import { dirname } from 'node:path';

/** The parts of a LokiJS document, collection and database the journal relies on (LokiJS 1.5). */
type LokiDoc = { $loki: number; [field: string]: unknown };
export type LokiCollection = {
  name: string;
  data: LokiDoc[];
  idIndex: number[];
  maxId: number;
  uniqueNames: string[];
  dirty: boolean;
  adaptiveBinaryIndices: boolean;
  on(event: 'insert' | 'update' | 'delete', listener: (doc: LokiDoc | LokiDoc[]) => void): void;
  get(id: number): LokiDoc | null;
  update(doc: LokiDoc): void;
  remove(doc: LokiDoc): void;
  ensureAllIndexes(force: boolean): void;
  ensureUniqueIndex(field: string): void;
};
export type LokiDatabase = {
  collections: LokiCollection[];
  getCollection(name: string): LokiCollection | null;
  addCollection(name: string, options?: unknown): LokiCollection;
  removeCollection(name: string): void;
  saveDatabase(callback: (error?: Error | null) => void): void;
  autosaveDisable(): void;
};

/** One line of the journal: a collection added or removed, a document written (whole) or removed. */
type Entry =
  | { addCollection: string; options: unknown }
  | { removeCollection: string }
  | { collection: string; id: number; doc: unknown }
  | { collection: string; id: number; removed: true };

/** Past this size the journal is folded into a fresh snapshot, unless `open` is told otherwise. */
const COMPACT_AT_BYTES = 16 * 1024 * 1024;

/**
 * An append-only journal beside a LokiJS database file, so that a write is made durable by appending the
 * documents it changed instead of rewriting the whole database (LokiJS serialises everything on every save, which
 * grows with the data: 4 ms per write at a few thousand rows). Entries hold whole documents by id, so replaying
 * entries the snapshot already contains changes nothing; that makes rotation safe: at compaction the journal is
 * renamed aside, the snapshot is taken in the same tick, and the old journal is deleted once the snapshot is on
 * disk. A crash at any point leaves snapshot + journals that replay to the acknowledged state.
 */
export class LokiJournal {
  readonly #db: LokiDatabase;
  readonly #dbFile: string;
  readonly #path: string;
  readonly #oldPath: string;
  #fd: number;
  #bytes: number;
  #pending: (() => Entry)[] = [];
  #waiting: ((error?: Error | null) => void)[] = [];
  #writing = false;
  #compacting: Promise<void> | undefined;
  readonly #compactAtBytes: number;

  /**
   * Replays what `dbFile`'s journals hold into `db` (already loaded from `dbFile`) and folds it into a fresh
   * snapshot; from then on every change to `db` is recorded, and LokiJS's own periodic full saves are off.
   */
  static async open(db: LokiDatabase, dbFile: string, options: { compactAtBytes?: number } = {}): Promise<LokiJournal> {
    db.autosaveDisable();
    const files = [`${dbFile}.journal.old`, `${dbFile}.journal`].filter((file) => existsSync(file));
    if (files.length > 0) {
      for (const file of files) replay(db, file);
      await saveSnapshot(db, dbFile);
      for (const file of files) rmSync(file);
    }
    return new LokiJournal(db, dbFile, options.compactAtBytes ?? COMPACT_AT_BYTES);
  }

  private constructor(db: LokiDatabase, dbFile: string, compactAtBytes: number) {
    this.#db = db;
    this.#compactAtBytes = compactAtBytes;
    this.#dbFile = dbFile;
    this.#path = `${dbFile}.journal`;
    this.#oldPath = `${dbFile}.journal.old`;
    this.#fd = openSync(this.#path, 'a');
    this.#bytes = statSync(this.#path).size;
    this.#watchDatabase();
    for (const collection of db.collections) this.#watch(collection);
  }

  /** Calls back once every change made so far is on disk (changes made meanwhile share one write). */
  flush(callback: (error?: Error | null) => void): void {
    this.#waiting.push(callback);
    if (!this.#writing) this.#writeBatch();
  }

  /** Resolves once no compaction is running (one starts by itself after a write that passes the size limit). */
  async compacted(): Promise<void> {
    await this.#compacting;
  }

  /** Writes the pending changes, folds everything into the snapshot and removes the journal. */
  async close(): Promise<void> {
    await new Promise<void>((resolve, reject) => this.flush((error) => (error ? reject(error) : resolve())));
    // A compaction already running took its snapshot before the last changes: wait for it, then take a new one.
    await this.#compacting;
    await this.#compact();
    closeSync(this.#fd);
    rmSync(this.#path);
  }

  #writeBatch(): void {
    const callbacks = this.#waiting.splice(0);
    if (callbacks.length === 0) return;
    const text = this.#pending
      .splice(0)
      .map((entry) => `${JSON.stringify(entry())}\n`)
      .join('');
    this.#writing = true;
    const done = (error?: Error | null) => {
      this.#writing = false;
      for (const callback of callbacks) callback(error);
      if (!error && this.#bytes >= this.#compactAtBytes && !existsSync(this.#oldPath)) {
        // A failed compaction leaves the old journal in place (still replayed at start); it is retried at close.
        this.#compact().catch((failure: unknown) =>
          console.error(`Azurite journal compaction failed: ${(failure as Error).message}`),
        );
      }
      this.#writeBatch();
    };
    if (text === '') {
      done();
      return;
    }
    const buffer = Buffer.from(text);
    write(this.#fd, buffer, 0, buffer.length, null, (error) => {
      if (error) return done(error);
      this.#bytes += buffer.length;
      fdatasync(this.#fd, done);
    });
  }

  /** Snapshot + new journal; runs between batches, so no append is in flight on the journal it renames. */
  #compact(): Promise<void> {
    this.#compacting ??= (async () => {
      if (!existsSync(this.#oldPath)) {
        closeSync(this.#fd);
        renameSync(this.#path, this.#oldPath);
        this.#fd = openSync(this.#path, 'a');
        this.#bytes = 0;
      }
      // The snapshot is serialised in this same tick, so it holds every change up to the rename.
      await saveSnapshot(this.#db, this.#dbFile);
      rmSync(this.#oldPath);
    })().finally(() => (this.#compacting = undefined));
    return this.#compacting;
  }

  #watchDatabase(): void {
    const db = this.#db;
    const addCollection = db.addCollection.bind(db);
    const removeCollection = db.removeCollection.bind(db);
    db.addCollection = (name, options) => {
      const collection = addCollection(name, options);
      this.#pending.push(() => ({ addCollection: name, options: options ?? {} }));
      this.#watch(collection);
      return collection;
    };
    db.removeCollection = (name) => {
      removeCollection(name);
      this.#pending.push(() => ({ removeCollection: name }));
    };
  }

  #watch(collection: LokiCollection): void {
    const { name } = collection;
    // The document is serialised when the batch is written, so it is the latest state of that object; its id is
    // taken now, because LokiJS deletes `$loki` from a document it removes.
    const written = (doc: LokiDoc) => {
      const id = doc.$loki;
      this.#pending.push(() => ({ collection: name, id, doc }));
    };
    collection.on('insert', (docs) => (Array.isArray(docs) ? docs.forEach(written) : written(docs)));
    collection.on('update', (doc) => written(doc as LokiDoc));
    collection.on('delete', (doc) => {
      const id = (doc as LokiDoc).$loki;
      this.#pending.push(() => ({ collection: name, id, removed: true }));
    });
  }
}

/** Applies a journal file; a last line cut short by a crash was never acknowledged and is skipped. */
function replay(db: LokiDatabase, file: string): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  const touched = new Set<LokiCollection>();
  const adaptive = new Map<LokiCollection, boolean>();
  lines.forEach((line, index) => {
    if (line === '') return;
    let entry: Entry;
    try {
      entry = JSON.parse(line) as Entry;
    } catch (error) {
      if (index === lines.length - 1) return; // the torn tail of an unacknowledged write
      throw new Error(`${file}:${index + 1} is not a journal entry: ${(error as Error).message}`, { cause: error });
    }
    if ('addCollection' in entry) {
      if (!db.getCollection(entry.addCollection)) db.addCollection(entry.addCollection, entry.options);
    } else if ('removeCollection' in entry) {
      db.removeCollection(entry.removeCollection);
    } else {
      const collection = db.getCollection(entry.collection);
      if (!collection) throw new Error(`${file}:${index + 1} writes to unknown collection ${entry.collection}`);
      if (!touched.has(collection)) {
        // Index positions shift under putDoc; indexes are rebuilt once at the end instead of adjusted per entry.
        touched.add(collection);
        adaptive.set(collection, collection.adaptiveBinaryIndices);
        collection.adaptiveBinaryIndices = false;
      }
      if ('removed' in entry) removeDoc(collection, entry.id);
      else putDoc(collection, { ...(entry.doc as LokiDoc), $loki: entry.id });
    }
  });
  for (const collection of touched) {
    collection.adaptiveBinaryIndices = adaptive.get(collection)!;
    collection.ensureAllIndexes(true);
    for (const field of collection.uniqueNames) collection.ensureUniqueIndex(field);
    collection.dirty = true;
  }
}

function removeDoc(collection: LokiCollection, id: number): void {
  const doc = collection.get(id);
  if (doc) collection.remove(doc);
}

/**
 * Puts a document back under its own id. LokiJS's insert() would assign a new one, and later entries name the
 * document by id, so it goes into the id-ordered arrays directly; indexes are rebuilt after the replay.
 */
function putDoc(collection: LokiCollection, doc: LokiDoc): void {
  if (collection.get(doc.$loki)) {
    collection.update(doc);
    return;
  }
  const { idIndex, data } = collection;
  let at = idIndex.length;
  while (at > 0 && idIndex[at - 1]! > doc.$loki) at--;
  idIndex.splice(at, 0, doc.$loki);
  data.splice(at, 0, doc);
  collection.maxId = Math.max(collection.maxId, doc.$loki);
}

/** A full LokiJS save of `db` to `dbFile`, then fsync of the file and its folder. */
async function saveSnapshot(db: LokiDatabase, dbFile: string): Promise<void> {
  await new Promise<void>((resolve, reject) => db.saveDatabase((error) => (error ? reject(error) : resolve())));
  for (const path of [dbFile, dirname(dbFile)]) {
    const fd = openSync(path, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
