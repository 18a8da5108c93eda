// The replay command: rebuilds the Redis cache from the whole topic into a new generation and switches to it once complete.
import { parseArgs } from 'node:util';
import { createLogger, errorFields } from '@order-service/runtime';
import { replayCache } from '../replay/replay-cache.js';
import { ReplayInterrupted } from '../replay/replay-errors.js';
import { abortOnSignals, EXIT_USAGE, exitCodeOfSignal, startOperatorCommand } from './operator-command.js';
import { loggedProgress, terminalProgress } from './replay-progress.js';

const USAGE = `Usage: scripts/replay-cache [options]

Rebuilds the order cache from the whole topic into a new generation, and makes
it live once complete. The live projector keeps running meanwhile; readers see
the old cache until the switch. SIGINT or SIGTERM stops the replay, drops what
it built and leaves the live cache as it was.

Options (defaults from the projector's configuration: environment and .env):
  --brokers <host:port,...>  Kafka bootstrap servers       (KAFKA_BROKERS)
  --topic <name>             topic of order events         (KAFKA_TOPIC)
  --redis-url <url>          Redis to rebuild              (REDIS_URL)
  --redis-cluster-nodes <host:port,...>
                             a Redis Cluster to rebuild    (REDIS_CLUSTER_NODES)
  --key-prefix <prefix>      prefix of the cache's keys    (REDIS_KEY_PREFIX)
  --batch-size <n>           most events applied per call  (PROJECTOR_MAX_BATCH_SIZE)
  --workers <n>              processes reading the topic, splitting its
                             partitions; one switch at the end   (1)
  -h, --help                 show this help
`;

async function main(argv: string[]): Promise<number> {
  const start = startOperatorCommand('replay-cache', USAGE, argv, parseOptions);
  if ('exit' in start) return start.exit;
  const { config, values } = start;
  const batchSize = values['batch-size'] === undefined ? config.kafka.maxBatchSize : Number(values['batch-size']);
  if (!Number.isSafeInteger(batchSize) || batchSize <= 0) {
    process.stderr.write(`replay-cache: --batch-size must be a positive integer\n`);
    return EXIT_USAGE;
  }

  const workers = values.workers === undefined ? 1 : Number(values.workers);
  if (!Number.isSafeInteger(workers) || workers <= 0) {
    process.stderr.write(`replay-cache: --workers must be a positive integer\n`);
    return EXIT_USAGE;
  }

  const onTerminal = process.stderr.isTTY === true;
  const logger = createLogger({ level: config.log.level, pretty: config.log.pretty || onTerminal, service: 'order-cache-replay' });
  const view = onTerminal ? terminalProgress(process.stderr) : loggedProgress(logger);

  const interruption = abortOnSignals((signal, again) => {
    view.interrupt();
    if (again) logger.warn('second signal: exiting at once; the generation being built is left for the next replay to drop', { signal });
    else logger.warn('interrupted: dropping the generation being built', { signal });
  });

  try {
    const summary = await replayCache({
      brokers: values.brokers?.split(',').filter(Boolean) ?? config.kafka.brokers,
      topic: values.topic ?? config.kafka.topic,
      redisUrl: values['redis-url'] ?? config.redis.url,
      redisClusterNodes: values['redis-cluster-nodes']?.split(',').filter(Boolean) ?? config.redis.clusterNodes,
      keyPrefix: values['key-prefix'] ?? config.redis.keyPrefix,
      tombstoneTtlSeconds: config.redis.tombstoneTtlSeconds,
      batchSize,
      workers,
      logger,
      signal: interruption,
      onProgress: (progress) => view.update(progress),
      progressIntervalMs: view.intervalMs,
      clientId: `${config.kafka.clientId}-replay`,
      groupIdPrefix: `${config.kafka.groupId}-replay`,
    });
    view.finish(summary);
    return 0;
  } catch (error) {
    view.interrupt();
    if (error instanceof ReplayInterrupted) {
      logger.warn('replay interrupted; live cache untouched');
      return exitCodeOfSignal(interruption.reason);
    }
    logger.error('replay failed', { err: errorFields(error) });
    return 1;
  }
}

function parseOptions(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      brokers: { type: 'string' },
      topic: { type: 'string' },
      'redis-url': { type: 'string' },
      'redis-cluster-nodes': { type: 'string' },
      'key-prefix': { type: 'string' },
      'batch-size': { type: 'string' },
      workers: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
}

process.exit(await main(process.argv.slice(2)));
