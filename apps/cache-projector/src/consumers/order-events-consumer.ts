import { setTimeout as sleep } from 'node:timers/promises';
import { KafkaJS } from '@confluentinc/kafka-javascript';
import { ExponentialBackoff, noJitterGenerator } from 'cockatiel';
import { EVENT_HEADERS, highestVersions } from '@order-service/contracts';
import { headerText, inProcessSpan, readOrderBatch } from '@order-service/kafka';
import { ServiceError } from '@order-service/domain';
import type { ApplyOutcome, Projection } from '@order-service/projection';
import { errorFields, type Logger } from '@order-service/runtime';
import type { DeadLetterPublisher } from './dead-letter-publisher.js';
import type { InvalidationPublisher } from './invalidation-publisher.js';
import { newestEventAtMs, oldestEventAgeMs, type ProjectorCounters } from './projector-counters.js';

export interface OrderEventsConsumerOptions {
  kafka: KafkaJS.Kafka;
  topic: string;
  groupId: string;
  /** Static membership id; empty for dynamic membership. */
  groupInstanceId: string;
  maxBatchSize: number;
  partitionsConsumedConcurrently: number;
  sessionTimeoutMs: number;
  /** classic: client-side session timeout and cooperative-sticky; consumer: KIP-848, assigned and timed by the broker. */
  groupProtocol?: 'classic' | 'consumer';
  retry: { initialDelayMs: number; maxDelayMs: number };
  projection: Projection;
  deadLetters: DeadLetterPublisher;
  invalidations: InvalidationPublisher;
  counters: ProjectorCounters;
  logger: Logger;
}

type TopicPartition = { topic: string; partition: number };

/**
 * Projects the order topic into the cache, as one member of a consumer group.
 *
 * Each batch (up to `maxBatchSize` records of one partition) is decoded whole;
 * the events go to Redis in one `applyBatch`, records that are not events to
 * the dead-letter topic, and the uids to the invalidation channel. Only then is
 * the batch's offset committed: delivery is at least once, and a batch seen
 * again after a crash or a rebalance is harmless, as the store only ever moves
 * an order to a higher version.
 *
 * Invalidations name every order of the batch, stale events' included: a
 * batch delivered again after a crash between its apply and its publish finds
 * its events stale, and the replicas must still hear of them.
 *
 * A batch that cannot be applied (Redis, the DLQ or pub/sub unavailable) is
 * retried in place with a growing pause and is never skipped; while it waits
 * nothing of its partition is committed. It gives up the wait only when the
 * partition is revoked or the consumer stops, leaving the batch uncommitted
 * for whoever consumes the partition next.
 *
 * Offsets are committed per batch, inside the batch callback, and the client
 * hands a revoked partition over only after the batch in flight on it; a
 * commit that failed (say, refused during a rebalance) is made good on the
 * revocation and at stop. A commit lost anyway (a crash) only means the next
 * owner applies those events again, which changes nothing.
 *
 * Partitions are assigned cooperative-sticky: a worker joining or leaving
 * moves only the partitions that must move, and the others keep being applied
 * through the rebalance.
 */
export class OrderEventsConsumer {
  readonly #options: OrderEventsConsumerOptions;
  readonly #consumer: KafkaJS.Consumer;
  readonly #logger: Logger;
  /** Aborted by `stop()`: wakes batches waiting to retry, and refuses new ones. */
  readonly #stopping = new AbortController();
  readonly #inFlight = new Set<Promise<void>>();
  /** Partitions revoked from this member since they were last assigned; their retries give up. */
  readonly #revoked = new Set<string>();
  /** The newest applied offset of each partition not yet sent in a commit. */
  readonly #uncommitted = new Map<string, TopicPartition & { offset: string }>();
  /** The pause before each retry of a batch: doubling from the initial delay up to the maximum. */
  readonly #retryBackoff: ExponentialBackoff<number>;
  #committing: Promise<void> | undefined;
  #started = false;
  #joined = false;
  #stopped: Promise<void> | undefined;

  constructor(options: OrderEventsConsumerOptions) {
    this.#options = options;
    this.#logger = options.logger;
    this.#retryBackoff = new ExponentialBackoff({
      initialDelay: options.retry.initialDelayMs,
      maxDelay: options.retry.maxDelayMs,
      generator: noJitterGenerator,
    });
    const classic = (options.groupProtocol ?? 'classic') === 'classic';
    this.#consumer = options.kafka.consumer({
      kafkaJS: {
        groupId: options.groupId,
        // A new group starts at the beginning: the cache is a projection of the whole topic.
        fromBeginning: true,
        autoCommit: false,
        ...(classic && {
          sessionTimeout: options.sessionTimeoutMs,
          // A member learns of a rebalance at its next heartbeat, and a cooperative
          // rebalance takes two: a tenth of the session timeout keeps both short
          // (700 ms for the default 7 s session).
          heartbeatInterval: Math.max(100, Math.floor(options.sessionTimeoutMs / 10)),
          partitionAssigners: [KafkaJS.PartitionAssigners.cooperativeSticky],
        }),
      },
      ...(classic ? {} : { 'group.protocol': 'consumer' }),
      ...(options.groupInstanceId === '' ? {} : { 'group.instance.id': options.groupInstanceId }),
      'js.consumer.max.batch.size': options.maxBatchSize,
      rebalance_cb: (error: { code: number }, assignment: TopicPartition[]) => this.#onRebalance(error, assignment),
    });
  }

  async start(): Promise<void> {
    await this.#consumer.connect();
    this.#started = true;
    await this.#consumer.subscribe({ topics: [this.#options.topic] });
    await this.#consumer.run({
      // Offsets are resolved by hand once a batch is in Redis; an unresolved batch is fetched again.
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.#options.partitionsConsumedConcurrently,
      eachBatch: (payload) => this.#track(payload),
    });
    this.#logger.info('consuming', { topic: this.#options.topic, group_id: this.#options.groupId });
  }

  /**
   * Lets the batches in flight finish (or, if they are waiting to retry, give
   * up uncommitted), commits what was applied, and leaves the group. Safe to
   * call more than once.
   */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#stopping.abort();
      await Promise.all(this.#inFlight);
      await this.#committing;
      if (this.#started) await this.#commitStored();
      await this.#consumer.disconnect();
      this.#logger.info('consumer stopped');
    })();
    return this.#stopped;
  }

  /**
   * True once this member has joined the group: its first assignment arrived
   * (with the cooperative protocol every completed rebalance hands one, empty
   * for a member with no partition). A static member restarted within the
   * session timeout gets its own partitions back here, without a rebalance.
   */
  get hasJoinedGroup(): boolean {
    return this.#joined;
  }

  #track(payload: KafkaJS.EachBatchPayload): Promise<void> {
    if (this.#stopping.signal.aborted) return Promise.resolve();
    const work = this.#handleBatch(payload);
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.#inFlight.add(settled);
    void settled.then(() => this.#inFlight.delete(settled));
    return work;
  }

  /** One consumer span per batch, a child of its first sampled write and linked to every record's write. */
  #handleBatch(payload: KafkaJS.EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const records = batch.messages.map((message) => ({
      key: message.key?.toString('utf8') ?? null,
      traceparent: headerText(message.headers, EVENT_HEADERS.traceparent),
      partition: batch.partition,
      offset: message.offset,
    }));
    return inProcessSpan({ topic: batch.topic, partition: batch.partition, consumerGroup: this.#options.groupId, records }, () => this.#applyBatch(payload));
  }

  async #applyBatch(payload: KafkaJS.EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const receivedAt = performance.now();
    const lastOffset = batch.lastOffset();
    const { events, deadLetters, tombstones } = readOrderBatch(batch);

    let outcomes: ApplyOutcome[] | undefined = events.length === 0 ? [] : undefined;
    let deadLettered = deadLetters.length === 0;
    let invalidated = events.length === 0;
    let backoff = this.#retryBackoff.next();
    for (let attempt = 1; ; attempt += 1) {
      try {
        // Each step runs once: a retry resumes at the step that failed.
        outcomes ??= await this.#options.projection.applyBatch(events);
        if (!deadLettered) {
          await this.#options.deadLetters.publish(deadLetters);
          deadLettered = true;
          for (const letter of deadLetters)
            this.#logger.warn('record sent to the dead-letter topic', { ...letter.source, reason: letter.reason, error: letter.error });
        }
        if (!invalidated) {
          await this.#options.invalidations.publish(highestVersions(events));
          invalidated = true;
        }
        break;
      } catch (error) {
        this.#options.counters.recordFailedAttempt();
        backoff = backoff.next(undefined);
        const delayMs = backoff.duration;
        const retriable = !(error instanceof ServiceError) || error.retriable;
        this.#logger.log(retriable ? 'warn' : 'error', 'batch not applied: retrying', {
          topic: batch.topic,
          partition: batch.partition,
          first_offset: batch.firstOffset(),
          last_offset: lastOffset,
          attempt,
          retry_in_ms: delayMs,
          err: errorFields(error),
        });
        if (!(await this.#pauseBeforeRetry(delayMs, payload))) return;
      }
    }

    // One line per event at debug, carrying the request that caused it: a write can be
    // followed from the API's logs to here by its request_id.
    if (this.#logger.isDebugEnabled()) {
      events.forEach((event, i) =>
        this.#logger.debug('event projected', {
          order_uid: event.order_uid,
          version: event.version,
          type: event.type,
          outcome: outcomes[i],
          request_id: event.request_id,
        }),
      );
    }
    payload.resolveOffset(lastOffset);
    const highWatermark = Number(batch.highWatermark);
    this.#options.counters.recordBatch({
      topic: batch.topic,
      partition: batch.partition,
      applied: outcomes.filter((outcome) => outcome === 'applied').length,
      stale: outcomes.filter((outcome) => outcome === 'stale').length,
      deadLettered: deadLetters.length,
      tombstones,
      latencyMs: performance.now() - receivedAt,
      lag: highWatermark >= 0 ? Math.max(0, highWatermark - Number(lastOffset) - 1) : null,
      oldestEventAgeMs: oldestEventAgeMs(events),
      newestEventAtMs: newestEventAtMs(events),
    });
    this.#scheduleCommit({ topic: batch.topic, partition: batch.partition, offset: (BigInt(lastOffset) + 1n).toString() });
  }

  /**
   * Commits the offset after an applied batch without holding the partition's
   * next batch for the coordinator's answer: one commit is in flight at a
   * time, and what batches applied meanwhile goes in the next one, newest
   * offset per partition. Offsets still only ever follow what is in Redis.
   */
  #scheduleCommit(offset: TopicPartition & { offset: string }): void {
    this.#uncommitted.set(partitionKey(offset), offset);
    this.#committing ??= (async () => {
      while (this.#uncommitted.size > 0) {
        const offsets = [...this.#uncommitted.values()];
        this.#uncommitted.clear();
        await this.#commit(offsets);
      }
    })().finally(() => {
      this.#committing = undefined;
    });
  }

  /** Waits before a retry; false when the batch should be left uncommitted instead (stopping, partition gone). */
  async #pauseBeforeRetry(delayMs: number, payload: KafkaJS.EachBatchPayload): Promise<boolean> {
    try {
      await sleep(delayMs, undefined, { signal: this.#stopping.signal });
    } catch {
      return false;
    }
    return payload.isRunning() && !payload.isStale() && !this.#revoked.has(partitionKey(payload.batch));
  }

  async #commit(offsets: Array<TopicPartition & { offset: string }>): Promise<void> {
    try {
      await this.#consumer.commitOffsets(offsets);
    } catch (error) {
      // The batch is applied and its offset stored: a later commit of the
      // partition, or the one at stop, covers it; if none comes, the next
      // owner applies it again, which changes nothing.
      this.#options.counters.recordCommitFailure();
      this.#logger.warn('offset commit failed', { offsets, err: errorFields(error) });
    }
  }

  /** Commits every offset stored and not yet committed (batches whose own commit failed). */
  async #commitStored(): Promise<void> {
    try {
      await this.#consumer.commitOffsets();
    } catch (error) {
      if ((error as { code?: unknown }).code === KafkaJS.ErrorCodes.ERR__NO_OFFSET) return;
      this.#logger.warn('offset commit failed', { err: errorFields(error) });
    }
  }

  /**
   * Awaited by the client before it acts on the rebalance. On a revocation it
   * commits the offsets stored for batches already applied whose own commit
   * failed (a commit sent while the group was rebalancing is refused), so the
   * next owner does not apply them again; a batch still in flight on a revoked
   * partition commits itself before the client lets the partition go.
   */
  async #onRebalance(error: { code: number }, assignment: TopicPartition[]): Promise<void> {
    const partitions = assignment.map(({ topic, partition }) => ({ topic, partition }));
    if (error.code === KafkaJS.ErrorCodes.ERR__ASSIGN_PARTITIONS) {
      for (const partition of partitions) this.#revoked.delete(partitionKey(partition));
      this.#joined = true;
      this.#logger.info('partitions assigned', { partitions });
    } else if (error.code === KafkaJS.ErrorCodes.ERR__REVOKE_PARTITIONS) {
      for (const partition of partitions) this.#revoked.add(partitionKey(partition));
      this.#options.counters.forgetPartitions(partitions);
      this.#logger.info('partitions revoked', { partitions });
      // When stopping, stop() has committed already and the client no longer can.
      if (partitions.length > 0 && !this.#stopping.signal.aborted) await this.#commitStored();
    } else {
      this.#logger.warn('rebalance error', { code: error.code });
    }
  }
}

function partitionKey({ topic, partition }: TopicPartition): string {
  return `${topic}:${partition}`;
}
