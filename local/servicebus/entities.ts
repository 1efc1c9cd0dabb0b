import { ServiceBusError } from './errors.js';
import { Heap } from './heap.js';
import type { EncodedBody, StoredProperties } from './message.js';
import { rulesFromTopology, type Rule } from './rules.js';
import type { Topology } from './topology.js';

export type EntityKind = 'queue' | 'subscription' | 'deadLetter';

/** One stored copy of a message (a topic send makes one per matching subscription). */
export type MessageRecord = {
  /** Broker-internal row id. */
  readonly key: number;
  entity: Entity;
  readonly sequenceNumber: number;
  readonly messageId: string;
  readonly enqueuedAt: number;
  readonly expiresAt: number;
  /** Deliveries started so far; persisted on each delivery so a crash mid-handler counts like a lock expiry. */
  deliveryCount: number;
  deadLetterSource: string | undefined;
  properties: StoredProperties;
  readonly body: EncodedBody;
  state: 'pending' | 'scheduled' | 'active' | 'deferred' | 'locked' | 'gone';
  /** Deferred: served only by sequence number; an abandon or lock expiry puts it back among the deferred. */
  deferred: boolean;
  /** Whether its row is on disk yet (messages become visible only once it is). */
  persisted: boolean;
  lock: { token: string; until: number } | undefined;
};

const bySequence = (a: MessageRecord, b: MessageRecord) =>
  a.sequenceNumber < b.sequenceNumber || (a.sequenceNumber === b.sequenceNumber && a.key < b.key);

/** A queue, a subscription or a dead-letter sub-queue: something messages live in and are received from. */
export class Entity {
  readonly available = new Heap<MessageRecord>(bySequence);
  /** Lock token → record, in lock-expiry order (every lock of an entity lasts equally long, renewal re-appends). */
  readonly locked = new Map<string, MessageRecord>();
  readonly scheduled = new Set<MessageRecord>();
  /** Sequence number → deferred record (sequence numbers are unique within an entity). */
  readonly deferred = new Map<number, MessageRecord>();
  readonly listeners = new Set<() => void>();
  notifyQueued = false;
  readonly deadLetter: Entity | undefined;

  constructor(
    readonly path: string,
    readonly kind: EntityKind,
    readonly lockDurationMs: number,
    readonly maxDeliveryCount: number,
    readonly defaultMessageTimeToLiveMs: number,
    readonly deadLetteringOnMessageExpiration: boolean,
  ) {
    this.deadLetter =
      kind === 'deadLetter'
        ? undefined
        : new Entity(`${path}/$DeadLetterQueue`, 'deadLetter', lockDurationMs, Infinity, Infinity, false);
  }
}

/** A subscription (or a queue, with the true filter) as a topic send sees it; rules change at run time. */
export type Receiver = { entity: Entity; rules: Rule[] };

/** A queue or topic as a send destination: owns the sequence counter and the duplicate-detection history. */
export class SendTarget {
  lastSequence = 0;
  /** messageId → when it leaves the history; insertion order is expiry order (one window per target). */
  readonly history = new Map<string, number>();

  constructor(
    readonly kind: 'queue' | 'topic',
    readonly path: string,
    /** Grows when a subscription is added at run time. */
    readonly receivers: Receiver[],
    readonly defaultMessageTimeToLiveMs: number,
    readonly duplicateWindowMs: number | undefined,
  ) {}
}

export type EntityIndex = {
  targets: Map<string, SendTarget>;
  /** Lower-cased receive path → entity (paths are case-insensitive, as in Azure). */
  entities: Map<string, Entity>;
  /** Queues and subscriptions in topology order, each followed by its dead-letter queue in `stats()`. */
  ordered: Entity[];
  /** Lower-cased subscription path → its receiver, whose rules can be changed. */
  subscriptions: Map<string, Receiver>;
};

/** What `extendEntities` added: a queue, a topic, or a subscription (of a new topic or of one there already). */
export type AddedEntity = { kind: 'queue' | 'topic' | 'subscription'; path: string };

export function buildEntities(topology: Topology): EntityIndex {
  const index: EntityIndex = { targets: new Map(), entities: new Map(), ordered: [], subscriptions: new Map() };
  extendEntities(index, topology);
  return index;
}

/** Queues and topics share one namespace: a name that is one in `index` or `topology` cannot be the other. */
function assertKinds(index: EntityIndex, topology: Topology): void {
  const kinds = new Map<string, { path: string; kind: SendTarget['kind'] }>(index.targets);
  for (const [name, kind] of [
    ...topology.queues.map((q) => [q.name, 'queue'] as const),
    ...topology.topics.map((t) => [t.name, 'topic'] as const),
  ]) {
    const existing = kinds.get(name.toLowerCase()) ?? { path: name, kind };
    if (existing.kind !== kind) {
      throw new ServiceBusError(
        'MessagingEntityAlreadyExists',
        `Cannot add the ${kind} '${name}': '${existing.path}' is already a ${existing.kind}.`,
      );
    }
    kinds.set(name.toLowerCase(), existing);
  }
}

/**
 * Adds the queues, topics and subscriptions of `topology` that `index` lacks, and returns them. Those it has stay as
 * they are, properties and all: only a new name adds something. A name that would be a queue and a topic is
 * refused before anything is added.
 */
export function extendEntities(index: EntityIndex, topology: Topology): AddedEntity[] {
  assertKinds(index, topology);
  const added: AddedEntity[] = [];
  const add = (entity: Entity) => {
    index.ordered.push(entity);
    for (const e of [entity, entity.deadLetter!]) index.entities.set(e.path.toLowerCase(), e);
  };
  for (const q of topology.queues) {
    if (index.targets.has(q.name.toLowerCase())) continue;
    const entity = new Entity(
      q.name,
      'queue',
      q.lockDurationMs,
      q.maxDeliveryCount,
      q.defaultMessageTimeToLiveMs,
      q.deadLetteringOnMessageExpiration,
    );
    add(entity);
    const window = q.requiresDuplicateDetection ? q.duplicateDetectionHistoryTimeWindowMs : undefined;
    const receivers = [{ entity, rules: [{ name: '', filter: true }] }];
    index.targets.set(q.name.toLowerCase(), new SendTarget('queue', q.name, receivers, Infinity, window));
    added.push({ kind: 'queue', path: q.name });
  }
  for (const t of topology.topics) {
    let target = index.targets.get(t.name.toLowerCase());
    if (!target) {
      const window = t.requiresDuplicateDetection ? t.duplicateDetectionHistoryTimeWindowMs : undefined;
      target = new SendTarget('topic', t.name, [], t.defaultMessageTimeToLiveMs, window);
      index.targets.set(t.name.toLowerCase(), target);
      added.push({ kind: 'topic', path: t.name });
    }
    for (const s of t.subscriptions) {
      const path = `${target.path}/Subscriptions/${s.name}`;
      if (index.subscriptions.has(path.toLowerCase())) continue;
      const entity = new Entity(
        path,
        'subscription',
        s.lockDurationMs,
        s.maxDeliveryCount,
        s.defaultMessageTimeToLiveMs,
        s.deadLetteringOnMessageExpiration,
      );
      add(entity);
      // Messages sent from now on reach it; those sent before it existed do not, as in Azure.
      const receiver = { entity, rules: rulesFromTopology(s.rules) };
      target.receivers.push(receiver);
      index.subscriptions.set(path.toLowerCase(), receiver);
      added.push({ kind: 'subscription', path });
    }
  }
  return added;
}
