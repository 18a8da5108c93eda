import { anyBrokerReachable, createKafka } from '@order-service/kafka';
import { RedisConnection, RedisProjectionStore } from '@order-service/projection';
import { DependencyStateLog, type Logger } from '@order-service/runtime';
import { childProcessReaders } from './child-process-readers.js';
import { partitionRangeReaders, readIntoGeneration } from './generation-reader.js';
import { rebuildCache, type ReplayProgress, type ReplaySummary } from './rebuild-cache.js';

export interface ReplayOptions {
  brokers: string[];
  topic: string;
  redisUrl: string;
  /** Nodes of a Redis Cluster (host:port); empty or absent for a single Redis at `redisUrl`. */
  redisClusterNodes?: readonly string[];
  keyPrefix: string;
  tombstoneTtlSeconds: number;
  /** Most records applied per call. */
  batchSize: number;
  logger: Logger;
  /** Aborting stops the replay: the generation being built is dropped, the live one stays. */
  signal?: AbortSignal;
  /** Called every `progressIntervalMs` while records are read, and once at the end of reading. */
  onProgress?: (progress: ReplayProgress) => void;
  progressIntervalMs?: number;
  /** Prefix of the throwaway consumer group; a random suffix makes each replay's group new. */
  groupIdPrefix?: string;
  clientId?: string;
  /**
   * Processes that read the topic, splitting its partitions between them
   * (members of one consumer group); 1 (the default) reads in this process.
   * This process alone begins the generation, tracks progress and switches.
   */
  workers?: number;
  /** Log level of the worker processes. Defaults to warn. */
  workerLogLevel?: string;
}

/**
 * The replay's composition root: builds and connects its Redis and Kafka
 * clients, hands them to rebuildCache, and closes them whatever the outcome.
 */
export async function replayCache(options: ReplayOptions): Promise<ReplaySummary> {
  const { logger } = options;
  const redisState = new DependencyStateLog(logger.child({ component: 'redis' }), 'redis');
  const redis = new RedisConnection({
    url: options.redisUrl,
    clusterNodes: options.redisClusterNodes ?? [],
    onError: (error) => redisState.down(error),
    onReady: () => redisState.up(),
  });
  const store = new RedisProjectionStore(redis.commands, { keyPrefix: options.keyPrefix, tombstoneTtlSeconds: options.tombstoneTtlSeconds });
  const kafkaState = new DependencyStateLog(logger.child({ component: 'kafka' }), 'kafka', { probe: () => anyBrokerReachable(options.brokers) });
  const kafka = createKafka({
    brokers: options.brokers,
    clientId: options.clientId ?? 'order-cache-replay',
    logger: logger.child({ component: 'kafka' }),
    connectivity: kafkaState,
  });
  const workers = options.workers ?? 1;
  const startReaders =
    workers > 1
      ? childProcessReaders(
          workers,
          {
            topic: options.topic,
            batchSize: options.batchSize,
            brokers: options.brokers,
            clientId: `${options.clientId ?? 'order-cache-replay'}-worker`,
            redisUrl: options.redisUrl,
            redisClusterNodes: [...(options.redisClusterNodes ?? [])],
            keyPrefix: options.keyPrefix,
            tombstoneTtlSeconds: options.tombstoneTtlSeconds,
            logLevel: options.workerLogLevel ?? 'warn',
          },
          logger,
        )
      : readIntoGeneration({
          store,
          openRanges: partitionRangeReaders({
            brokers: options.brokers,
            clientId: options.clientId ?? 'order-cache-replay',
            topic: options.topic,
            batchSize: options.batchSize,
            logger,
            connectivity: kafkaState,
          }),
          logger,
        });
  if (!Number.isSafeInteger(options.batchSize) || options.batchSize <= 0) {
    throw new RangeError(`batchSize must be a positive integer, got ${options.batchSize}`);
  }
  try {
    await redis.connect();
    return await rebuildCache(
      { store, kafka, startReaders },
      {
        topic: options.topic,
        logger,
        signal: options.signal,
        onProgress: options.onProgress,
        progressIntervalMs: options.progressIntervalMs,
        groupIdPrefix: options.groupIdPrefix,
      },
    );
  } finally {
    redisState.close();
    kafkaState.close();
    await redis.close();
  }
}
