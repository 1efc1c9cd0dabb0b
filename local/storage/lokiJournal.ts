import {
  closeSync,
  existsSync,
  ftruncateSync,
  openSync,
  readFileSync,
  renameSync,
  rmSync,
  statfsSync,
  statSync,
} from 'node:fs';
import { dirname } from 'node:path';
import { describeWriteError, isDiskFull, type WriteHealth } from '../shared/writeHealth.js';
import { appendDurably, writeSnapshot } from './journalFile.js';
import { replay, type Entry, type LokiCollection, type LokiDatabase, type LokiDoc } from './lokiReplay.js';

export type { LokiCollection, LokiDatabase } from './lokiReplay.js';

/** Past this size the journal is folded into a fresh snapshot, unless `open` is told otherwise. */
const COMPACT_AT_BYTES = 16 * 1024 * 1024;
/** After a failed append, writes are refused for at least this long, and until the disk has room again. */
const REFUSE_AT_LEAST_MS = 1_000;
/** "Room again" means at least this much free, and twice the append that failed. */
const MIN_FREE_BYTES = 64 * 1024;

type Callback = (error?: Error | null) => void;

export type JournalOptions = { compactAtBytes?: number; now?: () => number };

/**
 * An append-only journal beside a LokiJS database file, so that a write is made durable by appending the
 * documents it changed instead of rewriting the whole database (LokiJS serialises everything on every save, which
 * grows with the data: 4 ms per write at a few thousand rows). Entries hold whole documents by id, so replaying
 * entries the snapshot already contains changes nothing; that makes rotation safe: at compaction the journal is
 * renamed aside, the snapshot is taken in the same tick, and the old journal is deleted once the snapshot is on
 * disk. A crash at any point leaves snapshot + journals that replay to the acknowledged state.
 *
 * Each append is one line holding every change made since the last one, and a line counts whole or not at all,
 * so a write is never half replayed (Azurite updates an entity as remove + insert: a torn line once kept the
 * remove and lost the insert). Appends start only while no write is half done (`hold`). When an append fails
 * (a full disk), the file is cut back to its last whole line and the database is rebuilt from disk, so what is
 * in memory is again exactly what is on disk: a change that was not journaled is neither answered nor visible.
 */
export class LokiJournal {
  readonly #db: LokiDatabase;
  readonly #dbFile: string;
  readonly #path: string;
  readonly #oldPath: string;
  readonly #compactAtBytes: number;
  readonly #now: () => number;
  #fd: number;
  /** Length of the journal up to its last whole line. */
  #bytes: number;
  #pending: (() => Entry)[] = [];
  #waiting: Callback[] = [];
  #writing = false;
  #holds = 0;
  #recording = true;
  #compacting: Promise<void> | undefined;
  /** An append failed: its changes (and any made since) are still in memory until the rebuild. */
  #unjournaled: Error | undefined;
  #refusal: { error: Error; since: number; needBytes: number } | undefined;
  /** The journal could not be cut back to a whole line: no append may follow until a restart replays it. */
  #broken: Error | undefined;
  #lastWriteError: string | undefined;

  /**
   * Replays what `dbFile`'s journals hold into `db` (already loaded from `dbFile`) and folds it into a fresh
   * snapshot; from then on every change to `db` is recorded, and LokiJS's own periodic full saves are off.
   */
  static async open(db: LokiDatabase, dbFile: string, options: JournalOptions = {}): Promise<LokiJournal> {
    db.autosaveDisable();
    const files = [`${dbFile}.journal.old`, `${dbFile}.journal`].filter((file) => existsSync(file));
    if (files.length > 0 || !existsSync(dbFile)) {
      for (const file of files) replay(db, file);
      await writeSnapshot(db, dbFile);
      for (const file of files) rmSync(file);
    }
    return new LokiJournal(db, dbFile, options);
  }

  private constructor(db: LokiDatabase, dbFile: string, options: JournalOptions) {
    this.#db = db;
    this.#compactAtBytes = options.compactAtBytes ?? COMPACT_AT_BYTES;
    this.#now = options.now ?? Date.now;
    this.#dbFile = dbFile;
    this.#path = `${dbFile}.journal`;
    this.#oldPath = `${dbFile}.journal.old`;
    this.#fd = openSync(this.#path, 'a');
    this.#bytes = statSync(this.#path).size;
    this.#watchDatabase();
    for (const collection of db.collections) this.#watch(collection);
  }

  /**
   * Marks a write under way until the returned release is called: no append starts in between, so all the
   * changes of one write (a remove and an insert, or every operation of a batch) land in the same line.
   */
  hold(): () => void {
    this.#holds++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#holds--;
      this.#next();
    };
  }

  /**
   * Calls back once every change made so far is on disk (changes made meanwhile share one append), or with the
   * error that kept them off it; those changes are then undone.
   */
  flush(callback: Callback): void {
    if (this.#unjournaled) {
      callback(this.#unjournaled);
      return;
    }
    this.#waiting.push(callback);
    this.#next();
  }

  /**
   * Why writes should be turned away before they change anything, if they should: an append failed a moment ago
   * and the disk has not had room since. Clears by itself once it has.
   */
  refusal(): Error | undefined {
    if (this.#broken) return this.#broken;
    const refusal = this.#refusal;
    if (!refusal) return undefined;
    if (this.#now() - refusal.since < REFUSE_AT_LEAST_MS || freeBytes(this.#path) < refusal.needBytes) {
      return refusal.error;
    }
    this.#refusal = undefined;
    return undefined;
  }

  health(): WriteHealth {
    const refused = this.refusal();
    return { diskFull: refused !== undefined && isDiskFull(refused), lastWriteError: this.#lastWriteError };
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

  /** Starts whatever can start now: the rebuild after a failure, or the next append. */
  #next(): void {
    if (this.#writing || this.#holds > 0) return;
    if (this.#unjournaled) this.#rebuild();
    else if (this.#waiting.length > 0) this.#append();
  }

  #append(): void {
    const callbacks = this.#waiting.splice(0);
    const entries = this.#pending.splice(0).map((entry) => entry());
    if (entries.length === 0) {
      for (const callback of callbacks) callback();
      return;
    }
    const line = Buffer.from(`${JSON.stringify(entries)}\n`);
    this.#writing = true;
    appendDurably(this.#fd, line, (error) => {
      this.#writing = false;
      if (error) this.#failed(error, line.length);
      else this.#bytes += line.length;
      for (const callback of callbacks) callback(error);
      if (!error) this.#compactIfDue();
      this.#next();
    });
  }

  #failed(error: Error, lineBytes: number): void {
    this.#lastWriteError = describeWriteError(error);
    this.#unjournaled = error;
    this.#refusal = { error, since: this.#now(), needBytes: Math.max(MIN_FREE_BYTES, 2 * lineBytes) };
    try {
      ftruncateSync(this.#fd, this.#bytes);
    } catch (truncateError) {
      this.#broken = new Error(
        `The Azurite journal could not be cut back after a failed write (${describeWriteError(truncateError)}); ` +
          'restart the stack to replay it.',
        { cause: truncateError },
      );
    }
  }

  /** Memory back to what is on disk: the snapshot and the journals' whole lines. */
  #rebuild(): void {
    const error = this.#unjournaled!;
    this.#recording = false;
    try {
      this.#db.loadJSON(readFileSync(this.#dbFile, 'utf8'), {});
      for (const file of [this.#oldPath, this.#path]) if (existsSync(file)) replay(this.#db, file);
    } finally {
      this.#recording = true;
    }
    this.#pending = [];
    this.#unjournaled = undefined;
    // These responses may show changes that are gone now.
    for (const callback of this.#waiting.splice(0)) callback(error);
  }

  #compactIfDue(): void {
    if (this.#bytes < this.#compactAtBytes || existsSync(this.#oldPath)) return;
    // A failed compaction leaves the old journal in place (still replayed at start); it is retried at close.
    this.#compact().catch((failure: unknown) =>
      console.error(`Azurite journal compaction failed: ${describeWriteError(failure)}`),
    );
  }

  /** Snapshot + new journal; runs between appends, so none is in flight on the journal it renames. */
  #compact(): Promise<void> {
    this.#compacting ??= (async () => {
      if (!existsSync(this.#oldPath)) {
        closeSync(this.#fd);
        renameSync(this.#path, this.#oldPath);
        this.#fd = openSync(this.#path, 'a');
        this.#bytes = 0;
      }
      // The snapshot is serialised in this same tick, so it holds every change up to the rename.
      await writeSnapshot(this.#db, this.#dbFile);
      rmSync(this.#oldPath);
    })().finally(() => (this.#compacting = undefined));
    return this.#compacting;
  }

  #record(entry: () => Entry): void {
    if (this.#recording) this.#pending.push(entry);
  }

  #watchDatabase(): void {
    const db = this.#db;
    const addCollection = db.addCollection.bind(db);
    const removeCollection = db.removeCollection.bind(db);
    db.addCollection = (name, options) => {
      const collection = addCollection(name, options);
      this.#record(() => ({ addCollection: name, options: options ?? {} }));
      this.#watch(collection);
      return collection;
    };
    db.removeCollection = (name) => {
      removeCollection(name);
      this.#record(() => ({ removeCollection: name }));
    };
  }

  #watch(collection: LokiCollection): void {
    const { name } = collection;
    // The document is serialised when the line is written, so it is the latest state of that object; its id is
    // taken now, because LokiJS deletes `$loki` from a document it removes.
    const written = (doc: LokiDoc) => {
      const id = doc.$loki;
      this.#record(() => ({ collection: name, id, doc }));
    };
    collection.on('insert', (docs) => (Array.isArray(docs) ? docs.forEach(written) : written(docs)));
    collection.on('update', (doc) => written(doc as LokiDoc));
    collection.on('delete', (doc) => {
      const id = (doc as LokiDoc).$loki;
      this.#record(() => ({ collection: name, id, removed: true }));
    });
  }
}

function freeBytes(path: string): number {
  try {
    const stats = statfsSync(dirname(path));
    return stats.bavail * stats.bsize;
  } catch {
    return Infinity; // no way to tell: let the next write find out
  }
}
