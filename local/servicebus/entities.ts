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
    readonly path: string,
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

export function buildEntities(topology: Topology): EntityIndex {
  const index: EntityIndex = { targets: new Map(), entities: new Map(), ordered: [], subscriptions: new Map() };
  const add = (entity: Entity) => {
    index.ordered.push(entity);
    for (const e of [entity, entity.deadLetter!]) index.entities.set(e.path.toLowerCase(), e);
  };
  for (const q of topology.queues) {
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
    index.targets.set(q.name.toLowerCase(), new SendTarget(q.name, receivers, Infinity, window));
  }
  for (const t of topology.topics) {
    const receivers = t.subscriptions.map((s) => {
      const entity = new Entity(
        `${t.name}/Subscriptions/${s.name}`,
        'subscription',
        s.lockDurationMs,
        s.maxDeliveryCount,
        s.defaultMessageTimeToLiveMs,
        s.deadLetteringOnMessageExpiration,
      );
      add(entity);
      const receiver = { entity, rules: rulesFromTopology(s.rules) };
      index.subscriptions.set(entity.path.toLowerCase(), receiver);
      return receiver;
    });
    const window = t.requiresDuplicateDetection ? t.duplicateDetectionHistoryTimeWindowMs : undefined;
    index.targets.set(t.name.toLowerCase(), new SendTarget(t.name, receivers, t.defaultMessageTimeToLiveMs, window));
  }
  return index;
}
