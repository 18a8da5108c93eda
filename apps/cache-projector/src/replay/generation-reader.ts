import { ExponentialBackoff, handleWhen, noJitterGenerator, retry } from 'cockatiel';
import { PartitionRangeReader, type KafkaConnectivity, type PartitionRange, type RangeBatch } from '@order-service/kafka';
import { ServiceError } from '@order-service/domain';
import type { RedisProjectionStore } from '@order-service/projection';
import { errorFields, type Logger } from '@order-service/runtime';
import { readReplayBatch } from './replay-batch.js';

/** What one applied batch of the replay did: each partition it names is read up to, not including, its `next`. */
export interface BatchReport {
  reached: ReadonlyArray<{ partition: number; next: number }>;
  events: number;
  undecodable: number;
  tombstones: number;
}

/** Reads a share of the topic's partitions into the generation being built, until stopped. */
export interface GenerationReading {
  /** Stops reading: no batch is started after, and the batches in flight are awaited. */
  stop(): Promise<void>;
}

/**
 * Starts readers of the given ranges of the topic into `generation`; each
 * applied batch is told to `onBatch`, a failure that ends a reader to
 * `onFailure`. One reader in this process (`readIntoGeneration`), or several
 * processes, each reading its share of the ranges (`childProcessReaders`).
 */
export type StartGenerationReaders = (
  job: { generation: number; groupId: string; ranges: readonly PartitionRange[] },
  onBatch: (report: BatchReport) => void,
  onFailure: (error: unknown) => void,
) => Promise<GenerationReading>;

/** What a reader needs of Kafka: the records of the ranges, batch after batch (a PartitionRangeReader). */
export interface RangeSource {
  connect(): Promise<void>;
  /** The next records, or null once every range is read. */
  read(): Promise<RangeBatch | null>;
  close(): Promise<void>;
}

export interface ReadIntoGenerationOptions {
  store: RedisProjectionStore;
  /** Opens a source of the ranges, reading as the consumer group `groupId` (which it never joins). */
  openRanges: (ranges: readonly PartitionRange[], groupId: string) => RangeSource;
  logger: Logger;
}

/** Sources of the ranges over librdkafka's consumer: the `openRanges` of a reader. */
export function partitionRangeReaders(options: {
  brokers: readonly string[];
  clientId: string;
  topic: string;
  /** Most records per batch. */
  batchSize: number;
  logger: Logger;
  connectivity?: KafkaConnectivity;
}): ReadIntoGenerationOptions['openRanges'] {
  const { logger, ...rest } = options;
  return (ranges, groupId) => new PartitionRangeReader({ ...rest, ranges, groupId, logger: logger.child({ component: 'kafka' }) });
}

const APPLY_ATTEMPTS = 5;
const APPLY_RETRY_DELAY_MS = 200;
/**
 * Batches applied at once: the next batch is read (librdkafka's thread) and
 * sent while Redis applies the ones before, so neither waits for the other.
 */
const BATCHES_IN_FLIGHT = 3;

/**
 * One reader: reads its ranges batch after batch, applying each batch to the
 * generation only. Batches are applied concurrently but reported in the order
 * read, so a partition is only ever said read up to an offset once everything
 * below it is in Redis.
 */
export function readIntoGeneration({ store, openRanges, logger }: ReadIntoGenerationOptions): StartGenerationReaders {
  return async ({ generation, groupId, ranges }, onBatch, onFailure) => {
    const source = openRanges(ranges, groupId);
    let stopped = false;
    let failed = false;
    const fail = (error: unknown): void => {
      failed = true;
      onFailure(error);
    };
    try {
      await source.connect();
    } catch (error) {
      await source.close().catch(() => undefined);
      throw error;
    }
    const reading = (async () => {
      const inFlight = new Set<Promise<void>>();
      let reportedBefore: Promise<void> = Promise.resolve();
      while (!stopped && !failed) {
        const batch = await source.read();
        if (batch === null) break;
        if (batch.messages.length === 0 || stopped) continue;
        const { writes, undecodable, tombstones } = readReplayBatch(batch.messages);
        const applied = applyWithRetries(() => store.applyWritesToGeneration(generation, writes), logger);
        const previous = reportedBefore;
        const reported = Promise.all([applied, previous]).then(() => {
          if (!failed) onBatch({ reached: batch.reached, events: writes.length, undecodable, tombstones });
        });
        const settled = reported.catch(fail);
        reportedBefore = settled;
        inFlight.add(settled);
        void settled.finally(() => inFlight.delete(settled));
        if (inFlight.size >= BATCHES_IN_FLIGHT) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    })().catch(fail);
    return {
      async stop() {
        stopped = true;
        await reading;
        await source.close().catch((error: unknown) => logger.warn('consumer disconnect failed', { err: errorFields(error) }));
      },
    };
  };
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
