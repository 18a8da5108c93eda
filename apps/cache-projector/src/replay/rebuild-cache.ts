import { randomBytes } from 'node:crypto';
import { ExponentialBackoff, handleWhen, noJitterGenerator, retry } from 'cockatiel';
import { readOrderBatch, type KafkaJS } from '@order-service/kafka';
import { ServiceError } from '@order-service/domain';
import type { RedisProjectionStore } from '@order-service/projection';
import { errorFields, type Logger } from '@order-service/runtime';
import { ReplayInterrupted } from './replay-errors.js';

/** The clients a rebuild works with, built and connected by its caller (see replay-cache.ts), which closes them after. */
export interface RebuildDeps {
  /** The cache, over a connected Redis client. */
  store: RedisProjectionStore;
  /** The client the rebuild makes its admin and its throwaway consumer from. */
  kafka: KafkaJS.Kafka;
}

export interface RebuildOptions {
  topic: string;
  /** Most records applied per call. */
  batchSize: number;
  logger: Logger;
  /** Aborting stops the replay: the generation being built is dropped, the live one stays. */
  signal?: AbortSignal | undefined;
  /** Called every `progressIntervalMs` while records are read, and once at the end of reading. */
  onProgress?: ((progress: ReplayProgress) => void) | undefined;
  progressIntervalMs?: number | undefined;
  /** Prefix of the throwaway consumer group; a random suffix makes each replay's group new. */
  groupIdPrefix?: string | undefined;
}

export interface ReplayProgress {
  /** Offsets read, of those that were in the topic when the replay started. */
  done: number;
  total: number;
  elapsedSeconds: number;
  /** Offsets read per second so far. */
  eventsPerSecond: number;
  /** At the rate so far; null before anything was read. */
  secondsLeft: number | null;
}

export interface ReplaySummary {
  /** Events applied to the new generation (written, or already there through the live projector). */
  events: number;
  /** Records skipped as not decodable; the live projector sends them to the dead-letter topic. */
  undecodable: number;
  /** Compaction tombstones (null values) skipped. */
  tombstones: number;
  seconds: number;
  eventsPerSecond: number;
  fromGeneration: number;
  toGeneration: number;
  /** Keys of the previous generation deleted after the switch. */
  keysDropped: number;
}

const APPLY_ATTEMPTS = 5;
const APPLY_RETRY_DELAY_MS = 200;

/**
 * Rebuilds the cache from the whole topic while the system keeps serving.
 *
 * Begins a new generation, reads the end offset of every partition, and reads
 * the topic from the start with a fresh consumer group that never commits,
 * applying each batch to that generation only. Events the live projector
 * applies meanwhile reach the new generation too (the store's dual write), so
 * once every partition is read up to the end offsets taken at the start the new
 * generation is complete, and the switch makes it live in one atomic step;
 * the previous generation is dropped after the store's retirement grace
 * (readers that still follow the old pointer meanwhile read current keys). Readers follow the live pointer
 * throughout, so they never see an empty or half-built cache.
 *
 * Aborted (through `signal`) or failed before the switch, the generation being
 * built is dropped and the live cache is left as it was.
 *
 * Assumes a topic written without transactions: a partition counts as read
 * once a record at its end offset minus one has been read.
 */
export async function rebuildCache({ store, kafka }: RebuildDeps, options: RebuildOptions): Promise<ReplaySummary> {
  const { logger, signal } = options;
  if (!Number.isSafeInteger(options.batchSize) || options.batchSize <= 0) {
    throw new RangeError(`batchSize must be a positive integer, got ${options.batchSize}`);
  }
  if (signal?.aborted) throw new ReplayInterrupted(`replay interrupted before it began: ${String(signal.reason)}`);
  const startedAt = performance.now();
  const elapsedSeconds = (): number => (performance.now() - startedAt) / 1000;

  const admin = kafka.admin();
  const groupId = `${options.groupIdPrefix ?? 'order-cache-replay'}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  let consumer: KafkaJS.Consumer | undefined;
  let generation: number | undefined;

  try {
    await admin.connect();
    // The generation first, the end offsets second: from the moment the
    // generation is begun, whatever the live projector applies is written to
    // it too; anything it applied before was written to the topic before, so
    // lies below the end offsets read now and is read by the replay.
    generation = await store.beginGeneration();
    const built = generation;
    const partitions = (await admin.fetchTopicOffsets(options.topic)).map(({ partition, low, high }) => ({
      partition,
      low: Number(low),
      high: Number(high),
    }));
    const reading = new TopicReading(partitions);
    logger.info('building generation', { generation: built, topic: options.topic, partitions: partitions.length, offsets: reading.total });

    const counts = { events: 0, undecodable: 0, tombstones: 0 };
    const progress = (): ReplayProgress => {
      const elapsed = elapsedSeconds();
      const rate = elapsed > 0 ? reading.done / elapsed : 0;
      return {
        done: reading.done,
        total: reading.total,
        elapsedSeconds: elapsed,
        eventsPerSecond: rate,
        secondsLeft: rate > 0 ? (reading.total - reading.done) / rate : null,
      };
    };

    if (!reading.complete) {
      const finished = deferred();
      const inFlight = new Set<Promise<void>>();
      let stopped = false;
      const onAbort = (): void => finished.reject(new ReplayInterrupted(`replay interrupted: ${String(signal?.reason)}`));
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
      const ticker = options.onProgress ? setInterval(() => options.onProgress?.(progress()), options.progressIntervalMs ?? 2_000) : undefined;

      const applyBatch = async ({ batch }: KafkaJS.EachBatchPayload): Promise<void> => {
        const { events, deadLetters, tombstones } = readOrderBatch(batch);
        counts.tombstones += tombstones;
        counts.undecodable += deadLetters.length;
        await applyWithRetries(() => store.applyBatchToGeneration(built, events), logger);
        counts.events += events.length;
        reading.advance(batch.partition, Number(batch.lastOffset()) + 1);
        if (reading.complete) finished.resolve();
      };

      consumer = kafka.consumer({
        kafkaJS: { groupId, fromBeginning: true, autoCommit: false },
        'js.consumer.max.batch.size': options.batchSize,
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [options.topic] });
      await consumer.run({
        partitionsConsumedConcurrently: Math.max(1, partitions.length),
        eachBatch: (payload) => {
          if (stopped) return Promise.resolve();
          const work = applyBatch(payload).catch((error: unknown) => finished.reject(error));
          inFlight.add(work);
          void work.finally(() => inFlight.delete(work));
          return work;
        },
      });

      try {
        await finished.promise;
      } finally {
        stopped = true;
        clearInterval(ticker);
        signal?.removeEventListener('abort', onAbort);
        await Promise.all(inFlight);
      }
      options.onProgress?.(progress());
    }

    if (signal?.aborted) throw new ReplayInterrupted(`replay interrupted: ${String(signal.reason)}`);
    // From here on the switch is made: an interruption no longer undoes it.
    const previous = await store.switchGeneration(built);
    logger.info('generation switched', { from: previous, to: built });
    // Readers may follow the old pointer a little longer; writers keep the old generation current meanwhile.
    await new Promise((resolve) => setTimeout(resolve, store.retirementGraceMs));
    const keysDropped = await store.dropGeneration(previous);
    const seconds = elapsedSeconds();
    return {
      ...counts,
      seconds,
      eventsPerSecond: seconds > 0 ? counts.events / seconds : 0,
      fromGeneration: previous,
      toGeneration: built,
      keysDropped,
    };
  } catch (error) {
    if (generation !== undefined && (await store.buildingGeneration().catch(() => null)) === generation) {
      await store
        .abortGeneration(generation)
        .then(() => logger.info('generation dropped, live cache untouched', { generation }))
        .catch((abortError: unknown) => logger.error('could not drop the generation being built', { generation, err: errorFields(abortError) }));
    }
    throw error;
  } finally {
    await consumer?.disconnect().catch((error: unknown) => logger.warn('consumer disconnect failed', { err: errorFields(error) }));
    if (consumer) await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect().catch(() => undefined);
  }
}

/** How far each partition has been read, against the end offsets taken at the start. */
class TopicReading {
  readonly #partitions: Map<number, { low: number; high: number; next: number }>;
  readonly total: number;
  #done = 0;
  #remaining: number;

  constructor(partitions: ReadonlyArray<{ partition: number; low: number; high: number }>) {
    this.#partitions = new Map(partitions.map(({ partition, low, high }) => [partition, { low, high, next: low }]));
    this.total = partitions.reduce((sum, { low, high }) => sum + Math.max(0, high - low), 0);
    this.#remaining = partitions.filter(({ low, high }) => high > low).length;
  }

  get done(): number {
    return this.#done;
  }

  get complete(): boolean {
    return this.#remaining === 0;
  }

  /** Records that `partition` has been read up to, but not including, `next`. */
  advance(partition: number, next: number): void {
    const state = this.#partitions.get(partition);
    if (state === undefined || next <= state.next) return;
    const wasComplete = state.next >= state.high;
    this.#done += Math.min(next, state.high) - Math.min(state.next, state.high);
    state.next = next;
    if (!wasComplete && next >= state.high) this.#remaining -= 1;
  }
}

/** Retries what the store says may succeed later, a few times; anything else fails the replay at once. */
async function applyWithRetries(apply: () => Promise<unknown>, logger: Logger): Promise<void> {
  const policy = retry(
    handleWhen((error) => error instanceof ServiceError && error.retriable),
    {
      maxAttempts: APPLY_ATTEMPTS - 1,
      backoff: new ExponentialBackoff({ initialDelay: APPLY_RETRY_DELAY_MS, maxDelay: Infinity, generator: noJitterGenerator }),
    },
  );
  const logging = policy.onRetry(({ attempt, delay, ...result }) =>
    logger.warn('batch not applied: retrying', { attempt, retry_in_ms: delay, err: errorFields('error' in result ? result.error : undefined) }),
  );
  try {
    await policy.execute(apply);
  } finally {
    logging.dispose();
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } {
  let resolve!: () => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Settled first by whichever comes first: completion, failure or interruption; later calls do nothing.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}
