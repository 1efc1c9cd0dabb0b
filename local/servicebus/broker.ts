import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../shared/clock.js';
import type { WriteHealth } from '../shared/writeHealth.js';
import {
  buildEntities,
  Entity,
  extendEntities,
  type AddedEntity,
  type EntityIndex,
  type MessageRecord,
  type SendTarget,
} from './entities.js';
import { deadLetterNotFound, entityNotFound, lockLost, ServiceBusError } from './errors.js';
import { Change, GroupCommit } from './groupCommit.js';
import { Heap } from './heap.js';
import {
  validateApplicationProperties,
  validateSendMessage,
  type ApplicationProperties,
  type ReceivedMessage,
  type SendMessage,
} from './message.js';
import { startProcessor, type MessageHandler, type ProcessorOptions } from './processor.js';
import { BrokerTracing } from './brokerTracing.js';
import type { Telemetry, TelemetrySpan } from '../telemetry/index.js';
import { toReceived } from './received.js';
import { matchesAny, validateRule, type Rule } from './rules.js';
import { openSqliteStore } from './sqliteStore.js';
import { memoryStore, type MessageStore, type StoredState } from './store.js';
import { TimerSlot } from './timerSlot.js';
import type { Topology } from './topology.js';

export type EntityStats = {
  path: string;
  kind: 'queue' | 'subscription' | 'deadLetter';
  active: number;
  scheduled: number;
  deferred: number;
  locked: number;
  deadLetter: number;
};

export type ReceiveMode = 'peekLock' | 'receiveAndDelete';

export type DeadLetterOptions = {
  reason?: string;
  description?: string;
  /** Merged into the message's application properties, as for abandon. */
  propertiesToModify?: ApplicationProperties;
};

export type BrokerOptions = {
  topology: Topology;
  /** Where `servicebus.db` lives; required unless `inMemory`. */
  dataDir?: string;
  inMemory?: boolean;
  clock?: Clock;
  newId?: () => string;
  /** Spans of each message's enqueue, delivery attempts and settlement, while telemetry records. */
  telemetry?: Telemetry;
};

const maxDateMs = 8.64e15;
// Expired messages nobody receives are swept at most this often (receive drops them at once anyway).
const expirySweepSpacingMs = 1000;
const maxReasonLength = 4096;

/**
 * Embedded, durable Service Bus stand-in: queues, topics and subscriptions with peek-lock and receive-and-delete,
 * delivery counts, dead-lettering, deferral, TTL, duplicate detection, scheduling and subscription rules. Messages
 * are visible to receivers only once durable.
 */
export class ServiceBusBroker {
  readonly #clock: Clock;
  readonly #newId: () => string;
  readonly #store: MessageStore;
  readonly #commit: GroupCommit;
  readonly #index: EntityIndex;
  readonly #locks = new Map<string, MessageRecord>();
  readonly #lockTimers = new Map<Entity, TimerSlot>();
  readonly #scheduled = new Heap<MessageRecord>(
    (a, b) => a.enqueuedAt < b.enqueuedAt || (a.enqueuedAt === b.enqueuedAt && a.key < b.key),
  );
  readonly #scheduleTimer: TimerSlot;
  readonly #expiryTimer: TimerSlot;
  readonly #processors = new Set<{ close(): Promise<void> }>();
  readonly #tracing: BrokerTracing;
  /** Stored state of entities the topology lacks: kept, and attached if such an entity is added. */
  #unplaced: StoredState = { rows: [], sequences: new Map(), duplicates: [], ruleSets: new Map() };
  #nextKey = 1;
  #closed = false;
  #closing: Promise<void> | undefined;

  private constructor(
    index: EntityIndex,
    store: MessageStore,
    clock: Clock,
    newId: () => string,
    telemetry: Telemetry | undefined,
  ) {
    this.#tracing = new BrokerTracing(telemetry);
    this.#index = index;
    this.#store = store;
    this.#commit = new GroupCommit(store);
    this.#clock = clock;
    this.#newId = newId;
    this.#scheduleTimer = new TimerSlot(clock, () => this.#activateScheduled());
    this.#expiryTimer = new TimerSlot(clock, () => this.#sweepExpired());
    this.#armLockTimers(index.entities.values());
  }

  #armLockTimers(entities: Iterable<Entity>): void {
    for (const entity of entities) {
      if (!this.#lockTimers.has(entity))
        this.#lockTimers.set(entity, new TimerSlot(this.#clock, () => this.#expireLocks(entity)));
    }
  }

  static async open(options: BrokerOptions): Promise<ServiceBusBroker> {
    if (!options?.topology) throw new TypeError('ServiceBusBroker.open needs a topology (see loadTopology).');
    if (!options.inMemory && !options.dataDir) {
      throw new TypeError('ServiceBusBroker.open needs a dataDir for durable storage, or inMemory: true.');
    }
    const store = options.inMemory ? memoryStore : openSqliteStore(options.dataDir!);
    const broker = new ServiceBusBroker(
      buildEntities(options.topology),
      store,
      options.clock ?? systemClock,
      options.newId ?? randomUUID,
      options.telemetry,
    );
    broker.#unplaced = broker.#restore(store.load());
    const orphans = new Set(broker.#unplaced.rows.map((row) => row.entityPath));
    if (orphans.size > 0) {
      process.emitWarning(
        `Service Bus data holds messages for entities not in the topology (${[...orphans].join(', ')}); they are kept on disk, and served once such an entity is added.`,
      );
    }
    return broker;
  }

  /** The broker's clock: lock and expiry times are on it. */
  get clock(): Clock {
    return this.#clock;
  }

  /**
   * Adds the queues, topics and subscriptions of `topology` the broker lacks, while it runs, and returns what it
   * added. Entities it has are left alone (messages, locks, rules, properties). A new subscription of an existing
   * topic gets the messages sent from now on. Stored messages of a new entity (kept from when it was last there)
   * are served again, as after a restart with it in the topology.
   */
  addEntities(topology: Topology): AddedEntity[] {
    this.#assertOpen();
    if (this.#closing) throw new ServiceBusError('BrokerClosed', 'The Service Bus broker is closing.');
    const added = extendEntities(this.#index, topology);
    if (added.length === 0) return added;
    this.#armLockTimers(this.#index.entities.values());
    this.#unplaced = this.#restore(this.#unplaced);
    return added;
  }

  /**
   * Sends to a queue or a topic (a topic copies each message to every subscription with a matching rule). Resolves
   * once durable, with each message's sequence number (0 for a duplicate that was accepted and dropped).
   */
  async send(entityPath: string, messages: SendMessage[]): Promise<number[]> {
    this.#assertOpen();
    const target = this.#target(entityPath);
    if (!Array.isArray(messages)) throw new TypeError('send(entityPath, messages) needs an array of messages.');
    const validated = messages.map((message, i) => validateSendMessage(message, `messages[${i}]`));
    const now = this.#clock.now();
    this.#pruneHistory(target, now);
    const records: MessageRecord[] = [];
    const remembered: string[] = [];
    const sequenceNumbers: number[] = [];
    const firstSequence = target.lastSequence;
    for (const { messageId: givenId, properties, body } of validated) {
      const messageId = givenId ?? this.#newId();
      // Only a sender's own ids can repeat; one the broker just generated is unique by construction, so
      // remembering it would cost a row write per message for nothing.
      if (target.duplicateWindowMs !== undefined && givenId !== undefined) {
        // Accepted and dropped, as Azure does: the sender cannot tell.
        if (target.history.has(messageId)) {
          sequenceNumbers.push(0);
          continue;
        }
        const forgetAt = now + target.duplicateWindowMs;
        target.history.set(messageId, forgetAt);
        remembered.push(messageId);
        this.#commit.duplicate(target.path, messageId, forgetAt);
      }
      const sequenceNumber = ++target.lastSequence;
      sequenceNumbers.push(sequenceNumber);
      const enqueuedAt = Math.max(now, properties.scheduledEnqueueTimeUtc ?? now);
      for (const { entity, rules } of target.receivers) {
        if (!matchesAny(rules, { ...properties, messageId })) continue;
        const ttl = Math.min(
          properties.timeToLiveMs ?? Infinity,
          target.defaultMessageTimeToLiveMs,
          entity.defaultMessageTimeToLiveMs,
        );
        const record: MessageRecord = {
          key: this.#nextKey++,
          entity,
          sequenceNumber,
          messageId,
          enqueuedAt,
          expiresAt: Math.min(enqueuedAt + ttl, maxDateMs),
          deliveryCount: 0,
          deadLetterSource: undefined,
          properties: { ...properties, applicationProperties: { ...properties.applicationProperties } },
          body,
          state: 'pending',
          deferred: false,
          lock: undefined,
          persisted: false,
        };
        records.push(record);
        this.#commit.touch(record, Change.Placement);
      }
    }
    if (target.lastSequence !== firstSequence) this.#commit.sequence(target.path, target.lastSequence);
    await this.#commit.commit({
      onCommitted: () => {
        this.#tracing.sent(target.path, records);
        records.forEach((record) => this.#enqueue(record));
      },
      onFailed: () => {
        for (const record of records) record.state = 'gone';
        for (const id of remembered) target.history.delete(id);
      },
    });
    return sequenceNumbers;
  }

  /** Peek-lock receive of up to `maxMessages` messages available now, in sequence order. */
  receive(entityPath: string, maxMessages: number): ReceivedMessage[] {
    return this.#take(entityPath, maxMessages, 'peekLock');
  }

  /**
   * Receive-and-delete: the messages are removed as they are handed out (the removal is written with the next
   * commit, so a crash before it delivers them again rather than losing them).
   */
  receiveAndDelete(entityPath: string, maxMessages: number): ReceivedMessage[] {
    return this.#take(entityPath, maxMessages, 'receiveAndDelete');
  }

  /** Deferred messages by sequence number; fails with `MessageNotFound` unless every one of them is deferred. */
  receiveDeferred(entityPath: string, sequenceNumbers: number[], mode: ReceiveMode = 'peekLock'): ReceivedMessage[] {
    this.#assertOpen();
    const entity = this.#entity(entityPath);
    const records = sequenceNumbers.map((n) => entity.deferred.get(n));
    const missing = sequenceNumbers.filter((_n, i) => records[i] === undefined);
    if (missing.length > 0) {
      throw new ServiceBusError(
        'MessageNotFound',
        `Failed to lock one or more specified messages in '${entity.path}': sequence numbers ${missing.join(', ')} are not deferred messages (not found, already locked or settled).`,
      );
    }
    return records.map((record) => {
      entity.deferred.delete(record!.sequenceNumber);
      return this.#handOut(record!, mode, this.#clock.now());
    });
  }

  async complete(entityPath: string, lockToken: string): Promise<void> {
    const record = this.#held(entityPath, lockToken);
    this.#tracing.settled(record, 'completed');
    this.#unlock(record);
    record.state = 'gone';
    this.#commit.touch(record, Change.Placement);
    await this.#commit.commit();
  }

  /** Releases the lock at once; the delivery counted, so the MaxDeliveryCount-th abandon dead-letters. */
  async abandon(entityPath: string, lockToken: string, propertiesToModify?: ApplicationProperties): Promise<void> {
    const changes = validateApplicationProperties(propertiesToModify, 'propertiesToModify');
    const record = this.#held(entityPath, lockToken);
    this.#tracing.settled(record, 'abandoned');
    this.#unlock(record);
    this.#modify(record, changes);
    this.#release(record);
    await this.#commit.commit();
  }

  /** Sets the message aside: only `receiveDeferred` with its sequence number gets it again; peek still shows it. */
  async defer(entityPath: string, lockToken: string, propertiesToModify?: ApplicationProperties): Promise<void> {
    const changes = validateApplicationProperties(propertiesToModify, 'propertiesToModify');
    const record = this.#held(entityPath, lockToken);
    this.#tracing.settled(record, 'deferred');
    this.#unlock(record);
    this.#modify(record, changes);
    record.deferred = true;
    this.#commit.touch(record, Change.Placement);
    this.#makeDeferred(record);
    await this.#commit.commit();
  }

  async deadLetter(entityPath: string, lockToken: string, options: DeadLetterOptions = {}): Promise<void> {
    for (const field of ['reason', 'description'] as const) {
      const value = options[field];
      if (value !== undefined && (typeof value !== 'string' || value.length > maxReasonLength)) {
        throw new TypeError(`deadLetter options.${field} must be a string of at most ${maxReasonLength} characters.`);
      }
    }
    const changes = validateApplicationProperties(options.propertiesToModify, 'options.propertiesToModify');
    const record = this.#held(entityPath, lockToken);
    if (record.entity.kind === 'deadLetter') {
      throw new ServiceBusError(
        'InvalidOperation',
        `Messages in '${record.entity.path}' cannot be dead-lettered again.`,
      );
    }
    this.#tracing.settled(record, 'dead-lettered', options.reason);
    this.#unlock(record);
    this.#modify(record, changes);
    this.#deadLetterRecord(record, options.reason, options.description);
    await this.#commit.commit();
  }

  /** Extends the lock by the entity's LockDuration from now. */
  renewLock(entityPath: string, lockToken: string): Date {
    const record = this.#held(entityPath, lockToken);
    const entity = record.entity;
    record.lock!.until = this.#clock.now() + entity.lockDurationMs;
    // Re-append so the entity's lock map stays in expiry order.
    entity.locked.delete(lockToken);
    entity.locked.set(lockToken, record);
    return new Date(record.lock!.until);
  }

  /** Removes scheduled messages of a queue or topic (every subscription's copy) before they are enqueued. */
  async cancelScheduled(entityPath: string, sequenceNumbers: number[]): Promise<void> {
    this.#assertOpen();
    const target = this.#target(entityPath);
    const wanted = new Set(sequenceNumbers);
    const cancelled: MessageRecord[] = [];
    for (const { entity } of target.receivers) {
      for (const record of entity.scheduled) {
        if (wanted.has(record.sequenceNumber)) cancelled.push(record);
      }
    }
    const found = new Set(cancelled.map((record) => record.sequenceNumber));
    const missing = [...wanted].filter((n) => !found.has(n));
    if (missing.length > 0) {
      throw new ServiceBusError(
        'MessageNotFound',
        `Messages not found. Missing sequence numbers: ${missing.join(', ')}.`,
      );
    }
    for (const record of cancelled) {
      record.entity.scheduled.delete(record);
      record.state = 'gone';
      this.#commit.touch(record, Change.Placement);
    }
    if (cancelled.length > 0) this.#scheduled.removeWhere((record) => record.state === 'gone');
    await this.#commit.commit();
  }

  /** The subscription's rules, in the order they were added. */
  rules(subscriptionPath: string): Rule[] {
    return this.#subscription(subscriptionPath).rules.map((rule) => structuredClone(rule));
  }

  /** Adds a rule; messages sent from now on are matched against it. Resolves once durable. */
  async addRule(subscriptionPath: string, rule: Rule): Promise<void> {
    const receiver = this.#subscription(subscriptionPath);
    const added = validateRule(rule, receiver.rules);
    receiver.rules = [...receiver.rules, added];
    this.#commit.ruleSet(receiver.entity.path, receiver.rules);
    await this.#commit.commit();
  }

  async removeRule(subscriptionPath: string, ruleName: string): Promise<void> {
    const receiver = this.#subscription(subscriptionPath);
    const name = String(ruleName).toLowerCase();
    if (!receiver.rules.some((r) => r.name.toLowerCase() === name)) {
      throw entityNotFound(`${receiver.entity.path}/Rules/${ruleName}`);
    }
    receiver.rules = receiver.rules.filter((r) => r.name.toLowerCase() !== name);
    this.#commit.ruleSet(receiver.entity.path, receiver.rules);
    await this.#commit.commit();
  }

  /**
   * What the Functions serviceBusTrigger does: peek-lock, run the handler, complete on success (if
   * autoCompleteMessages), abandon on throw, renew the lock while the handler runs.
   */
  createProcessor(entityPath: string, handler: MessageHandler, options: ProcessorOptions): { close(): Promise<void> } {
    this.#assertOpen();
    // close() stops the processors it knows of; one started after that would outlive the store.
    if (this.#closing) throw new ServiceBusError('BrokerClosed', 'The Service Bus broker is closing.');
    const path = this.#entity(entityPath).path;
    const processor = startProcessor(this, this.#clock, path, handler, options);
    const handle = {
      close: async () => {
        await processor.close();
        this.#processors.delete(handle);
      },
    };
    this.#processors.add(handle);
    return handle;
  }

  /** The span of a locked message's delivery attempt, while telemetry records: its handler's work goes under it. */
  deliverySpan(lockToken: string): TelemetrySpan | undefined {
    return this.#tracing.deliveryOf(lockToken);
  }

  /** Calls `listener` (in a microtask) whenever messages become available in the entity; returns an unsubscribe. */
  onMessagesAvailable(entityPath: string, listener: () => void): () => void {
    const entity = this.#entity(entityPath);
    entity.listeners.add(listener);
    return () => entity.listeners.delete(listener);
  }

  /** The path as the topology spells it, for a queue, topic, subscription or dead-letter queue (any casing). */
  resolvePath(entityPath: string): { path: string; kind: 'queue' | 'topic' | 'subscription' | 'deadLetter' } {
    const key = String(entityPath).toLowerCase();
    const entity = this.#index.entities.get(key);
    if (entity) return { path: entity.path, kind: entity.kind };
    const target = this.#index.targets.get(key);
    if (target) return { path: target.path, kind: 'topic' };
    throw entityNotFound(String(entityPath));
  }

  /** The store's side of health: whether its disk is full (sends then fail with code SQLITE_FULL). */
  storeHealth(): WriteHealth {
    return this.#store.health();
  }

  stats(): EntityStats[] {
    const rows: EntityStats[] = [];
    for (const entity of this.#index.ordered) {
      const dlq = entity.deadLetter!;
      const dlqCount = dlq.available.size + dlq.locked.size + dlq.deferred.size;
      rows.push({ ...counts(entity), kind: entity.kind, deadLetter: dlqCount });
      rows.push({ ...counts(dlq), kind: 'deadLetter', deadLetter: 0 });
    }
    return rows;
  }

  /**
   * Messages from `fromSequenceNumber` on, in sequence order, without locking them (active, locked, deferred and
   * scheduled ones; `state` tells which); lockToken is empty.
   */
  peek(entityPath: string, maxMessages: number, fromSequenceNumber = 0): ReceivedMessage[] {
    this.#assertOpen();
    const entity = this.#entity(entityPath);
    assertCount(maxMessages, 'maxMessages');
    return [...entity.available.values(), ...entity.locked.values(), ...entity.scheduled, ...entity.deferred.values()]
      .filter((record) => record.sequenceNumber >= fromSequenceNumber)
      .sort((a, b) => a.sequenceNumber - b.sequenceNumber || a.key - b.key)
      .slice(0, maxMessages)
      .map((record) => toReceived(record, false));
  }

  /**
   * Puts an unlocked dead letter back on the entity it was dead-lettered from, as a fresh message there only (a new
   * sequence number, delivery count 0, no dead-letter reason; other subscriptions of a topic get no copy, and the
   * topic's duplicate detection does not see it), and takes it off the dead-letter queue, in one commit.
   */
  async resubmitDeadLetter(
    deadLetterPath: string,
    sequenceNumber: number,
  ): Promise<{ entityPath: string; sequenceNumber: number }> {
    this.#assertOpen();
    const dlq = this.#entity(deadLetterPath);
    const record =
      dlq.kind === 'deadLetter' ? dlq.available.values().find((r) => r.sequenceNumber === sequenceNumber) : undefined;
    if (!record) throw deadLetterNotFound(dlq.path, sequenceNumber, dlq.kind === 'deadLetter');
    const source = this.#index.ordered.find((e) => e.path === record.deadLetterSource);
    const target =
      source && [...this.#index.targets.values()].find((t) => t.receivers.some((r) => r.entity === source));
    if (!source || !target) throw entityNotFound(String(record.deadLetterSource));
    const { DeadLetterReason: _r, DeadLetterErrorDescription: _d, ...kept } = record.properties.applicationProperties;
    const { scheduledEnqueueTimeUtc: _s, ...properties } = record.properties;
    const now = this.#clock.now();
    const ttl = Math.min(
      properties.timeToLiveMs ?? Infinity,
      target.defaultMessageTimeToLiveMs,
      source.defaultMessageTimeToLiveMs,
    );
    const copy: MessageRecord = {
      ...record,
      key: this.#nextKey++,
      entity: source,
      sequenceNumber: ++target.lastSequence,
      enqueuedAt: now,
      expiresAt: Math.min(now + ttl, maxDateMs),
      deliveryCount: 0,
      deadLetterSource: undefined,
      properties: { ...properties, applicationProperties: kept },
      state: 'pending',
      deferred: false,
      persisted: false,
    };
    dlq.available.removeWhere((r) => r === record);
    record.state = 'gone';
    this.#commit.touch(record, Change.Placement);
    this.#commit.touch(copy, Change.Placement);
    this.#commit.sequence(target.path, target.lastSequence);
    await this.#commit.commit({
      onCommitted: () => {
        this.#tracing.carry(record, copy);
        this.#tracing.action(copy, `resubmit ${dlq.path}`, { 'messaging.destination.name': source.path });
        this.#enqueue(copy);
      },
      onFailed: () => {
        copy.state = 'gone';
        this.#makeAvailable(record);
      },
    });
    return { entityPath: source.path, sequenceNumber: copy.sequenceNumber };
  }

  /** Deletes every message of the entity (a dead-letter queue too) that is not locked; resolves with how many. */
  async purge(entityPath: string): Promise<number> {
    this.#assertOpen();
    const entity = this.#entity(entityPath);
    const purged = [...entity.available.values(), ...entity.scheduled, ...entity.deferred.values()];
    const scheduled = new Set(entity.scheduled);
    entity.available.removeWhere(() => true);
    entity.scheduled.clear();
    entity.deferred.clear();
    this.#scheduled.removeWhere((record) => scheduled.has(record));
    for (const record of purged) {
      this.#tracing.action(record, `purge ${entity.path}`, { 'messaging.destination.name': entity.path });
      record.state = 'gone';
      this.#commit.touch(record, Change.Placement);
    }
    await this.#commit.commit({
      onFailed: () =>
        purged.forEach((record) => (record.deferred ? this.#makeDeferred(record) : this.#enqueue(record))),
    });
    return purged.length;
  }

  /**
   * Resolves when the broker is open and its store took a small write after every pending one (the writer thread
   * is alive and the disk takes writes); rejects with why not, or once `timeoutMs` passed without an answer.
   */
  checkHealth(timeoutMs = 2000): Promise<void> {
    if (this.#closed || this.#closing)
      return Promise.reject(new ServiceBusError('BrokerClosed', 'The broker is closed.'));
    return new Promise((resolve, reject) => {
      const timer = this.#clock.setTimeout(
        () => reject(new Error(`The Service Bus store did not answer within ${timeoutMs} ms.`)),
        timeoutMs,
      );
      this.#store
        .check()
        .then(resolve, reject)
        .finally(() => this.#clock.clearTimeout(timer));
    });
  }

  /** Stops processors once their in-flight handlers finish, writes what is pending and closes the store. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all([...this.#processors].map((p) => p.close()));
      this.#closed = true;
      this.#scheduleTimer.clear();
      this.#expiryTimer.clear();
      for (const timer of this.#lockTimers.values()) timer.clear();
      this.#tracing.close();
      await this.#commit.flush();
      await this.#store.close();
    })();
    return this.#closing;
  }

  #take(entityPath: string, maxMessages: number, mode: ReceiveMode): ReceivedMessage[] {
    this.#assertOpen();
    const entity = this.#entity(entityPath);
    assertCount(maxMessages, 'maxMessages');
    const now = this.#clock.now();
    const received: ReceivedMessage[] = [];
    while (received.length < maxMessages) {
      const record = entity.available.pop();
      if (!record) break;
      if (isExpired(record, now)) {
        this.#expire(record);
        continue;
      }
      received.push(this.#handOut(record, mode, now));
    }
    return received;
  }

  /** One delivery: counted (on disk with the next commit), then locked, or removed in receive-and-delete mode. */
  #handOut(record: MessageRecord, mode: ReceiveMode, now: number): ReceivedMessage {
    record.deliveryCount++;
    if (mode === 'receiveAndDelete') {
      record.state = 'gone';
      this.#commit.touch(record, Change.Placement);
      this.#tracing.received(record);
      return toReceived(record, false);
    }
    const entity = record.entity;
    const token = this.#newId();
    record.state = 'locked';
    record.lock = { token, until: now + entity.lockDurationMs };
    entity.locked.set(token, record);
    this.#locks.set(token, record);
    this.#commit.touch(record, Change.DeliveryCount, { piggyback: true });
    this.#lockTimers.get(entity)!.armAt(record.lock.until);
    if (this.#tracing.recording) this.#tracing.locked(record);
    return toReceived(record, true);
  }

  /** Attaches stored state to the entities it belongs to; returns the part whose entities the broker lacks. */
  #restore(state: StoredState): StoredState {
    const now = this.#clock.now();
    const unplaced: StoredState = { rows: [], sequences: new Map(), duplicates: [], ruleSets: new Map() };
    for (const [path, last] of state.sequences) {
      const target = this.#index.targets.get(path.toLowerCase());
      if (target) target.lastSequence = last;
      else unplaced.sequences.set(path, last);
    }
    for (const duplicate of state.duplicates) {
      const target = this.#index.targets.get(duplicate.target.toLowerCase());
      if (!target) unplaced.duplicates.push(duplicate);
      else if (target.duplicateWindowMs !== undefined && duplicate.expiresAt > now)
        target.history.set(duplicate.messageId, duplicate.expiresAt);
    }
    this.#restoreRules(state.ruleSets, unplaced.ruleSets);
    for (const row of state.rows) {
      this.#nextKey = Math.max(this.#nextKey, row.key + 1);
      const entity = this.#index.entities.get(row.entityPath.toLowerCase());
      if (!entity) {
        unplaced.rows.push(row);
        continue;
      }
      const { entityPath: _path, ...stored } = row;
      const record: MessageRecord = { ...stored, entity, state: 'pending', lock: undefined, persisted: true };
      // A delivery that was under way when the process stopped counts like a lock expiry. A deferred message at
      // rest may have used its last allowed delivery already (deferring does not count as a failure).
      const limit = entity.maxDeliveryCount + (record.deferred ? 1 : 0);
      if (entity.kind !== 'deadLetter' && record.deliveryCount >= limit) {
        this.#deadLetterRecord(record, ...maxDeliveryReason(record));
      } else if (record.deferred) {
        this.#makeDeferred(record);
      } else {
        this.#enqueue(record);
      }
    }
    return unplaced;
  }

  /** Rules a client changed win over the topology file's, which would otherwise silently undo the change. */
  #restoreRules(ruleSets: StoredState['ruleSets'], unplaced: StoredState['ruleSets']): void {
    for (const [path, rules] of ruleSets) {
      const receiver = this.#index.subscriptions.get(path.toLowerCase());
      if (!receiver) {
        unplaced.set(path, rules);
        continue;
      }
      if (JSON.stringify(rules) !== JSON.stringify(receiver.rules)) {
        process.emitWarning(
          `Service Bus subscription '${receiver.entity.path}' uses the rules a client set at run time (${rules.map((r) => r.name).join(', ') || 'none'}), not those of the topology file; delete the data directory to go back to the file's.`,
        );
      }
      receiver.rules = rules;
    }
  }

  #enqueue(record: MessageRecord): void {
    if (record.properties.scheduledEnqueueTimeUtc !== undefined && record.enqueuedAt > this.#clock.now()) {
      record.state = 'scheduled';
      record.entity.scheduled.add(record);
      this.#scheduled.push(record);
      this.#scheduleTimer.armAt(record.enqueuedAt);
    } else {
      this.#makeAvailable(record);
    }
  }

  #makeAvailable(record: MessageRecord): void {
    if (isExpired(record, this.#clock.now())) {
      this.#expire(record);
      return;
    }
    const entity = record.entity;
    record.state = 'active';
    entity.available.push(record);
    if (entity.kind !== 'deadLetter') this.#expiryTimer.armAt(record.expiresAt);
    if (entity.listeners.size > 0 && !entity.notifyQueued) {
      entity.notifyQueued = true;
      queueMicrotask(() => {
        entity.notifyQueued = false;
        for (const listener of [...entity.listeners]) listener();
      });
    }
  }

  /** Deferred messages do not expire: Azure keeps them until they are received by sequence number. */
  #makeDeferred(record: MessageRecord): void {
    record.state = 'deferred';
    record.entity.deferred.set(record.sequenceNumber, record);
  }

  #modify(record: MessageRecord, changes: ApplicationProperties): void {
    if (Object.keys(changes).length === 0) return;
    record.properties = {
      ...record.properties,
      applicationProperties: { ...record.properties.applicationProperties, ...changes },
    };
    this.#commit.touch(record, Change.Placement);
  }

  #expire(record: MessageRecord): void {
    if (record.entity.deadLetteringOnMessageExpiration) {
      this.#deadLetterRecord(record, 'TTLExpiredException', 'The message expired and was dead lettered.');
    } else {
      this.#tracing.expired(record);
      record.state = 'gone';
      this.#commit.touch(record, Change.Placement);
    }
  }

  #deadLetterRecord(record: MessageRecord, reason: string | undefined, description: string | undefined): void {
    const source = record.entity;
    const applicationProperties = { ...record.properties.applicationProperties };
    if (reason !== undefined) applicationProperties.DeadLetterReason = reason;
    if (description !== undefined) applicationProperties.DeadLetterErrorDescription = description;
    record.properties = { ...record.properties, applicationProperties };
    record.deadLetterSource = source.path;
    this.#tracing.deadLettered(record, source.path, reason, description);
    record.deferred = false;
    record.entity = source.deadLetter!;
    this.#commit.touch(record, Change.Placement);
    this.#makeAvailable(record);
  }

  /**
   * After abandon or lock expiry: back to the entity (among the deferred, if it was received by sequence
   * number), or to its DLQ once MaxDeliveryCount deliveries are used.
   */
  #release(record: MessageRecord): void {
    const entity = record.entity;
    if (entity.kind !== 'deadLetter' && record.deliveryCount >= entity.maxDeliveryCount) {
      this.#deadLetterRecord(record, ...maxDeliveryReason(record));
    } else if (record.deferred) {
      this.#makeDeferred(record);
    } else {
      this.#makeAvailable(record);
    }
  }

  #unlock(record: MessageRecord): void {
    const token = record.lock!.token;
    record.entity.locked.delete(token);
    this.#locks.delete(token);
    record.lock = undefined;
  }

  #held(entityPath: string, lockToken: string): MessageRecord {
    this.#assertOpen();
    const entity = this.#entity(entityPath);
    const record = this.#locks.get(lockToken);
    if (!record || record.entity !== entity) throw lockLost(entity.path, String(lockToken));
    // A real clock's timer may run late; an expired lock is lost even before it fires.
    if (record.lock!.until <= this.#clock.now()) {
      this.#expireLocks(entity);
      throw lockLost(entity.path, lockToken);
    }
    return record;
  }

  #expireLocks(entity: Entity): void {
    const now = this.#clock.now();
    for (const record of entity.locked.values()) {
      if (record.lock!.until > now) {
        this.#lockTimers.get(entity)!.armAt(record.lock!.until);
        break;
      }
      this.#tracing.settled(record, 'lock expired');
      this.#unlock(record);
      this.#release(record);
    }
  }

  #activateScheduled(): void {
    const now = this.#clock.now();
    for (let next = this.#scheduled.peek(); next && next.enqueuedAt <= now; next = this.#scheduled.peek()) {
      this.#scheduled.pop();
      next.entity.scheduled.delete(next);
      this.#makeAvailable(next);
    }
    const head = this.#scheduled.peek();
    if (head) this.#scheduleTimer.armAt(head.enqueuedAt);
  }

  #sweepExpired(): void {
    const now = this.#clock.now();
    let next = Infinity;
    for (const entity of this.#index.ordered) {
      const expired: MessageRecord[] = [];
      entity.available.removeWhere((record) => {
        if (isExpired(record, now)) expired.push(record);
        else next = Math.min(next, record.expiresAt);
        return isExpired(record, now);
      });
      for (const record of expired) this.#expire(record);
    }
    this.#expiryTimer.armAt(Math.max(next, now + expirySweepSpacingMs));
  }

  #pruneHistory(target: SendTarget, now: number): void {
    let pruned = false;
    for (const [messageId, forgetAt] of target.history) {
      if (forgetAt > now) break;
      target.history.delete(messageId);
      pruned = true;
    }
    if (pruned) this.#commit.prune(target.path, now);
  }

  #target(entityPath: string): SendTarget {
    const target = typeof entityPath === 'string' ? this.#index.targets.get(entityPath.toLowerCase()) : undefined;
    if (target) return target;
    if (typeof entityPath === 'string' && this.#index.entities.has(entityPath.toLowerCase())) {
      throw new ServiceBusError(
        'InvalidOperation',
        `Cannot send to '${entityPath}': send to a queue or a topic, not to a subscription or dead-letter queue.`,
      );
    }
    throw entityNotFound(String(entityPath));
  }

  #entity(entityPath: string): Entity {
    const entity = typeof entityPath === 'string' ? this.#index.entities.get(entityPath.toLowerCase()) : undefined;
    if (entity) return entity;
    if (typeof entityPath === 'string' && this.#index.targets.has(entityPath.toLowerCase())) {
      throw new ServiceBusError(
        'InvalidOperation',
        `Cannot receive from topic '${entityPath}': receive from '${entityPath}/Subscriptions/<subscription>'.`,
      );
    }
    throw entityNotFound(String(entityPath));
  }

  #subscription(subscriptionPath: string) {
    this.#assertOpen();
    const receiver = this.#index.subscriptions.get(String(subscriptionPath).toLowerCase());
    if (receiver) return receiver;
    if (this.#index.entities.has(String(subscriptionPath).toLowerCase())) {
      throw new ServiceBusError(
        'InvalidOperation',
        `'${subscriptionPath}' is not a subscription: only subscriptions have rules.`,
      );
    }
    throw entityNotFound(String(subscriptionPath));
  }

  #assertOpen(): void {
    if (this.#closed) throw new ServiceBusError('BrokerClosed', 'The Service Bus broker is closed.');
  }
}

function isExpired(record: MessageRecord, now: number): boolean {
  // Dead-letter queues have no TTL.
  return record.entity.kind !== 'deadLetter' && record.expiresAt <= now;
}

function maxDeliveryReason(record: MessageRecord): [string, string] {
  return ['MaxDeliveryCountExceeded', `Message could not be consumed after ${record.deliveryCount} delivery attempts.`];
}

function counts(entity: Entity): Pick<EntityStats, 'path' | 'active' | 'scheduled' | 'deferred' | 'locked'> {
  return {
    path: entity.path,
    active: entity.available.size,
    scheduled: entity.scheduled.size,
    deferred: entity.deferred.size,
    locked: entity.locked.size,
  };
}

function assertCount(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${value}.`);
}
