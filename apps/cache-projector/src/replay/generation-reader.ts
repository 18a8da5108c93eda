import { ExponentialBackoff, handleWhen, noJitterGenerator, retry } from 'cockatiel';
import type { KafkaJS } from '@order-service/kafka';
import { ServiceError } from '@order-service/domain';
import type { RedisProjectionStore } from '@order-service/projection';
import { errorFields, type Logger } from '@order-service/runtime';
import { readReplayBatch } from './replay-batch.js';

/** What one applied batch of the replay did: its partition is read up to, not including, `next`. */
export interface BatchReport {
  partition: number;
  next: number;
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
 * Starts readers of the topic into `generation`; each applied batch is told to
 * `onBatch`, a failure that ends a reader to `onFailure`. One process reading
 * every partition (`readIntoGeneration`), or several processes of one
 * consumer group, each with the partitions the group gives it
 * (`childProcessReaders`).
 */
export type StartGenerationReaders = (
  job: { generation: number; groupId: string; partitions: number },
  onBatch: (report: BatchReport) => void,
  onFailure: (error: unknown) => void,
) => Promise<GenerationReading>;

export interface ReadIntoGenerationOptions {
  store: RedisProjectionStore;
  kafka: KafkaJS.Kafka;
  topic: string;
  batchSize: number;
  logger: Logger;
}

const APPLY_ATTEMPTS = 5;
const APPLY_RETRY_DELAY_MS = 200;

/**
 * One reader: a consumer of the replay's throwaway group (which never commits),
 * from the start of the partitions the group assigns it, applying each batch to
 * the generation only. Every member of the group reads its own partitions, so
 * N processes with this reader split the topic between them.
 */
export function readIntoGeneration({ store, kafka, topic, batchSize, logger }: ReadIntoGenerationOptions): StartGenerationReaders {
  return async ({ generation, groupId, partitions }, onBatch, onFailure) => {
    const inFlight = new Set<Promise<void>>();
    let stopped = false;
    const consumer = kafka.consumer({
      kafkaJS: { groupId, fromBeginning: true, autoCommit: false },
      'js.consumer.max.batch.size': batchSize,
    });
    const applyBatch = async ({ batch }: KafkaJS.EachBatchPayload): Promise<void> => {
      const { writes, undecodable, tombstones } = readReplayBatch(batch.messages);
      await applyWithRetries(() => store.applyWritesToGeneration(generation, writes), logger);
      onBatch({ partition: batch.partition, next: Number(batch.lastOffset()) + 1, events: writes.length, undecodable, tombstones });
    };
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic] });
      await consumer.run({
        // Each partition's batches in order, every partition at once: a member gets at most them all.
        partitionsConsumedConcurrently: Math.max(1, partitions),
        eachBatch: (payload) => {
          if (stopped) return Promise.resolve();
          const work = applyBatch(payload).catch((error: unknown) => onFailure(error));
          inFlight.add(work);
          void work.finally(() => inFlight.delete(work));
          return work;
        },
      });
    } catch (error) {
      await consumer.disconnect().catch(() => undefined);
      throw error;
    }
    return {
      async stop() {
        stopped = true;
        await Promise.all(inFlight);
        await consumer.disconnect().catch((error: unknown) => logger.warn('consumer disconnect failed', { err: errorFields(error) }));
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
