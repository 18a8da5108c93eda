// One worker process of `replay-cache --workers N`, started by the coordinator
// (replay/child-process-readers.ts): reads the ranges of partitions it is given
// into the generation being built and reports each batch.
import { RedisConnection, RedisProjectionStore } from '@order-service/projection';
import { createLogger, errorFields } from '@order-service/runtime';
import type { FromWorker, ToWorker } from '../replay/child-process-readers.js';
import { partitionRangeReaders, readIntoGeneration, type GenerationReading } from '../replay/generation-reader.js';

const send = (message: FromWorker): void => void process.send?.(message);

// Interruption is the coordinator's: a terminal's Ctrl-C reaches the whole process group.
process.on('SIGINT', () => undefined);

let stop: (() => Promise<void>) | undefined;
const stopAndExit = async (code: number): Promise<never> => {
  await stop?.().catch(() => undefined);
  process.exit(code);
};
process.on('SIGTERM', () => void stopAndExit(143));
// The coordinator is gone: nobody switches what this worker builds.
process.on('disconnect', () => void stopAndExit(1));

process.on('message', (message: ToWorker) => {
  if (message.type === 'stop') {
    void stopAndExit(0);
    return;
  }
  const { job } = message;
  const logger = createLogger({ level: job.logLevel, service: 'order-cache-replay-worker' });
  const redis = new RedisConnection({
    url: job.redisUrl,
    clusterNodes: job.redisClusterNodes,
    onError: (error) => logger.warn('redis connection error', { err: error.message }),
  });
  const store = new RedisProjectionStore(redis.commands, { keyPrefix: job.keyPrefix, tombstoneTtlSeconds: job.tombstoneTtlSeconds });
  let reading: GenerationReading | undefined;
  stop = async () => {
    await reading?.stop();
    await redis.close();
  };
  const fail = (error: unknown): void => {
    logger.error('replay worker failed', { err: errorFields(error) });
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    void stopAndExit(1);
  };
  void (async () => {
    await redis.connect();
    const openRanges = partitionRangeReaders({ brokers: job.brokers, clientId: job.clientId, topic: job.topic, batchSize: job.batchSize, logger });
    reading = await readIntoGeneration({ store, openRanges, logger })(
      { generation: job.generation, groupId: job.groupId, ranges: job.ranges },
      (report) => send({ type: 'batch', report }),
      fail,
    );
  })().catch(fail);
});
