import { randomBytes } from 'node:crypto';
import type { KafkaJS } from '@order-service/kafka';
import type { RedisProjectionStore } from '@order-service/projection';
import { errorFields, type Logger } from '@order-service/runtime';
import type { GenerationReading, StartGenerationReaders } from './generation-reader.js';
import { ReplayInterrupted } from './replay-errors.js';

/** The clients a rebuild works with, built and connected by its caller (see replay-cache.ts), which closes them after. */
export interface RebuildDeps {
  /** The cache, over a connected Redis client. */
  store: RedisProjectionStore;
  /** The client the rebuild makes its admin from. */
  kafka: KafkaJS.Kafka;
  /** Who reads the topic into the new generation: a reader in this process, or worker processes. */
  startReaders: StartGenerationReaders;
}

export interface RebuildOptions {
  topic: string;
  logger: Logger;
  /** Aborting stops the replay: the generation being built is dropped, the live one stays. */
  signal?: AbortSignal | undefined;
  /** Called every `progressIntervalMs` while records are read, and once at the end of reading. */
  onProgress?: ((progress: ReplayProgress) => void) | undefined;
  progressIntervalMs?: number | undefined;
  /** Prefix of the readers' group.id (never joined, never committed); a random suffix makes each replay's new. */
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
  /** The whole replay, up to the old generation dropped. */
  seconds: number;
  /** Events applied per second from the start to the switch. */
  eventsPerSecond: number;
  fromGeneration: number;
  toGeneration: number;
  /** Keys of the previous generation deleted after the switch. */
  keysDropped: number;
}

/**
 * Rebuilds the cache from the whole topic while the system keeps serving.
 *
 * Begins a new generation, reads the first and end offsets of every
 * partition, and has the readers read those ranges, with partitions assigned
 * by hand (no group to join, nothing committed), applying each batch to that
 * generation only. Events the live projector
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
export async function rebuildCache({ store, kafka, startReaders }: RebuildDeps, options: RebuildOptions): Promise<ReplaySummary> {
  const { logger, signal } = options;
  if (signal?.aborted) throw new ReplayInterrupted(`replay interrupted before it began: ${String(signal.reason)}`);
  const startedAt = performance.now();
  const elapsedSeconds = (): number => (performance.now() - startedAt) / 1000;

  const admin = kafka.admin();
  const groupId = `${options.groupIdPrefix ?? 'order-cache-replay'}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  let reading: GenerationReading | undefined;
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
    const topicReading = new TopicReading(partitions);
    logger.info('building generation', { generation: built, topic: options.topic, partitions: partitions.length, offsets: topicReading.total });

    const counts = { events: 0, undecodable: 0, tombstones: 0 };
    const progress = (): ReplayProgress => {
      const elapsed = elapsedSeconds();
      const rate = elapsed > 0 ? topicReading.done / elapsed : 0;
      return {
        done: topicReading.done,
        total: topicReading.total,
        elapsedSeconds: elapsed,
        eventsPerSecond: rate,
        secondsLeft: rate > 0 ? (topicReading.total - topicReading.done) / rate : null,
      };
    };

    if (!topicReading.complete) {
      const finished = deferred();
      const onAbort = (): void => finished.reject(new ReplayInterrupted(`replay interrupted: ${String(signal?.reason)}`));
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
      const ticker = options.onProgress ? setInterval(() => options.onProgress?.(progress()), options.progressIntervalMs ?? 2_000) : undefined;
      try {
        reading = await startReaders(
          { generation: built, groupId, ranges: partitions.map(({ partition, low, high }) => ({ partition, from: low, to: high })) },
          (report) => {
            counts.events += report.events;
            counts.undecodable += report.undecodable;
            counts.tombstones += report.tombstones;
            for (const { partition, next } of report.reached) topicReading.advance(partition, next);
            if (topicReading.complete) finished.resolve();
          },
          (error) => finished.reject(error),
        );
        await finished.promise;
      } finally {
        clearInterval(ticker);
        signal?.removeEventListener('abort', onAbort);
        const stopping = reading;
        reading = undefined;
        await stopping?.stop();
      }
      options.onProgress?.(progress());
    }

    if (signal?.aborted) throw new ReplayInterrupted(`replay interrupted: ${String(signal.reason)}`);
    // From here on the switch is made: an interruption no longer undoes it.
    const previous = await store.switchGeneration(built);
    const switchedAfter = elapsedSeconds();
    logger.info('generation switched', { from: previous, to: built });
    // Readers may follow the old pointer a little longer; writers keep the old generation current meanwhile.
    await new Promise((resolve) => setTimeout(resolve, store.retirementGraceMs));
    const keysDropped = await store.dropGeneration(previous);
    const seconds = elapsedSeconds();
    return {
      ...counts,
      seconds,
      // The rebuild's rate: up to the switch, not the retirement grace after it.
      eventsPerSecond: switchedAfter > 0 ? counts.events / switchedAfter : 0,
      fromGeneration: previous,
      toGeneration: built,
      keysDropped,
    };
  } catch (error) {
    await reading?.stop().catch(() => undefined);
    if (generation !== undefined && (await store.buildingGeneration().catch(() => null)) === generation) {
      await store
        .abortGeneration(generation)
        .then(() => logger.info('generation dropped, live cache untouched', { generation }))
        .catch((abortError: unknown) => logger.error('could not drop the generation being built', { generation, err: errorFields(abortError) }));
    }
    throw error;
  } finally {
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
