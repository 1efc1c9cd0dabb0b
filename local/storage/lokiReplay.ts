import { readFileSync } from 'node:fs';

/** The parts of a LokiJS document, collection and database the journal relies on (LokiJS 1.5). */
export type LokiDoc = { $loki: number; [field: string]: unknown };
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
  /** The whole database as LokiJS saves it. */
  serialize(): string;
  /** Replaces every collection with those of a serialised database. */
  loadJSON(serialized: string, options: object): void;
  autosaveDisable(): void;
};

/** One change: a collection added or removed, a document written (whole) or removed. */
export type Entry =
  | { addCollection: string; options: unknown }
  | { removeCollection: string }
  | { collection: string; id: number; doc: unknown }
  | { collection: string; id: number; removed: true };

/**
 * Applies a journal file. Each line is the changes of one append (a JSON array; a single entry object in
 * journals written before appends were whole). A last line cut short by a crash was never acknowledged and is
 * skipped whole; a damaged line anywhere else is refused.
 */
export function replay(db: LokiDatabase, file: string): void {
  const lines = readFileSync(file, 'utf8').split('\n');
  const touched = new Map<LokiCollection, boolean>();
  lines.forEach((line, index) => {
    if (line === '') return;
    let parsed: Entry | Entry[];
    try {
      parsed = JSON.parse(line) as Entry | Entry[];
    } catch (error) {
      if (index === lines.length - 1) return; // the torn tail of an unacknowledged write
      throw new Error(`${file}:${index + 1} is not a journal entry: ${(error as Error).message}`, { cause: error });
    }
    for (const entry of Array.isArray(parsed) ? parsed : [parsed]) apply(db, entry, touched, `${file}:${index + 1}`);
  });
  for (const [collection, adaptive] of touched) {
    collection.adaptiveBinaryIndices = adaptive;
    collection.ensureAllIndexes(true);
    for (const field of collection.uniqueNames) collection.ensureUniqueIndex(field);
    collection.dirty = true;
  }
}

/** `touched`: collections written to, with their adaptive-index setting to restore once indexes are rebuilt. */
function apply(db: LokiDatabase, entry: Entry, touched: Map<LokiCollection, boolean>, where: string): void {
  if ('addCollection' in entry) {
    if (!db.getCollection(entry.addCollection)) db.addCollection(entry.addCollection, entry.options);
    return;
  }
  if ('removeCollection' in entry) {
    db.removeCollection(entry.removeCollection);
    return;
  }
  const collection = db.getCollection(entry.collection);
  if (!collection) throw new Error(`${where} writes to unknown collection ${entry.collection}`);
  if (!touched.has(collection)) {
    // Index positions shift under putDoc; indexes are rebuilt once at the end instead of adjusted per entry.
    touched.set(collection, collection.adaptiveBinaryIndices);
    collection.adaptiveBinaryIndices = false;
  }
  if ('removed' in entry) removeDoc(collection, entry.id);
  else putDoc(collection, { ...(entry.doc as LokiDoc), $loki: entry.id });
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
