import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  anyBrokerReachable,
  countBrokers,
  createKafka,
  deadLetterTopicSpec,
  ordersTopicSpec,
  reliableProducerConfig,
  TopicProvisioningCheck,
} from '@order-service/kafka';
import { Projection, RedisConnection, RedisProjectionStore } from '@order-service/projection';
import { createMetricsRegistry, registerReadinessGauges, registerTopicProvisioningGauge } from '@order-service/metrics';
import { DependencyStateLog, errorFields, probeReadiness, type Logger, type ReadinessCheck } from '@order-service/runtime';
import { KafkaDeadLetterPublisher } from './adapters/kafka-dead-letter-publisher.js';
import { RedisInvalidationPublisher } from './adapters/redis-invalidation-publisher.js';
import type { ProjectorConfig } from './config.js';
import { OrderEventsConsumer } from './consumers/order-events-consumer.js';
import { ProjectorCounters } from './consumers/projector-counters.js';
import { buildHttpApp } from './http/app.js';
import { ProjectorMetrics } from './http/metrics.js';

export interface ProjectorApp {
  /** Running totals of this process, for metrics. */
  readonly counters: ProjectorCounters;
  start(): Promise<{ port: number }>;
  /** Stops in reverse order of start; safe to call more than once. */
  stop(): Promise<void>;
}

export function buildApp(config: ProjectorConfig, logger: Logger): ProjectorApp {
  // Commands fail at once while Redis is unreachable instead of queueing: the
  // consumer then retries the batch with a pause, uncommitted, and readiness says so.
  // Each dependency's outages are one line when they start, a summary every 30 s, one line when they end.
  const redisState = new DependencyStateLog(logger.child({ component: 'redis' }), 'redis');
  const redis = new RedisConnection({
    url: config.redis.url,
    clusterNodes: config.redis.clusterNodes,
    onError: (error) => redisState.down(error),
    onReady: () => redisState.up(),
  });
  const kafkaLog = logger.child({ component: 'kafka' });
  const kafkaState = new DependencyStateLog(kafkaLog, 'kafka', { probe: () => anyBrokerReachable(config.kafka.brokers) });
  const kafka = createKafka({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, logger: kafkaLog, connectivity: kafkaState });
  const admin = kafka.admin();
  const deadLetterProducer = kafka.producer(reliableProducerConfig());
  const metrics = new ProjectorMetrics(createMetricsRegistry('order-cache-projector'));
  const counters = new ProjectorCounters((report) => metrics.observeBatch(report));
  metrics.track(counters);
  const consumer = new OrderEventsConsumer({
    kafka,
    topic: config.kafka.topic,
    groupId: config.kafka.groupId,
    groupInstanceId: config.kafka.groupInstanceId,
    maxBatchSize: config.kafka.maxBatchSize,
    partitionsConsumedConcurrently: config.kafka.partitionsConsumedConcurrently,
    sessionTimeoutMs: config.kafka.sessionTimeoutMs,
    groupProtocol: config.kafka.groupProtocol,
    retry: config.retry,
    projection: new Projection(
      new RedisProjectionStore(redis.commands, { keyPrefix: config.redis.keyPrefix, tombstoneTtlSeconds: config.redis.tombstoneTtlSeconds }),
    ),
    deadLetters: new KafkaDeadLetterPublisher(deadLetterProducer, config.kafka.deadLetterTopic),
    invalidations: new RedisInvalidationPublisher(redis, config.redis.invalidationChannel),
    counters,
    logger: logger.child({ component: 'order-events-consumer' }),
  });

  const topicCheck = new TopicProvisioningCheck({
    admin,
    brokers: () => countBrokers({ brokers: config.kafka.brokers, clientId: config.kafka.clientId }),
    settings: {
      partitions: config.kafka.topicPartitions,
      replicationFactor: config.kafka.topicReplicationFactor,
      minInsyncReplicas: config.kafka.topicMinInsyncReplicas,
    },
    production: config.env === 'production',
    specs: (settings) => [ordersTopicSpec(config.kafka.topic, settings), deadLetterTopicSpec(config.kafka.deadLetterTopic, settings)],
    logger: logger.child({ component: 'kafka-topics' }),
  });
  registerTopicProvisioningGauge(metrics.registry, () => topicCheck.series());

  const readiness: ReadinessCheck[] = [
    { name: 'redis', check: async () => void (await redis.ping()) },
    { name: 'kafka', check: async () => void (await admin.listTopics({ timeout: 1_500 })) },
    // Ready once consuming: a rolling restart moves on to the next worker only then.
    {
      name: 'consumer-group',
      check: async () => {
        if (!consumer.hasJoinedGroup) throw new Error('not yet a member of the consumer group (no assignment received)');
      },
    },
  ];
  registerReadinessGauges(metrics.registry, () => probeReadiness(readiness));
  const app = buildHttpApp({ metrics: metrics.registry, readiness });

  let server: Server | undefined;
  let stopping: Promise<void> | undefined;

  return {
    counters,
    async start() {
      // Not awaited: the client keeps trying to reach Redis in the background,
      // and the projector starts even while Redis is down (batches wait for it).
      redis.connect().catch((error: unknown) => logger.error('redis connect failed', { err: errorFields(error) }));
      server = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(config.http.port, config.http.host, (error?: Error) => (error ? reject(error) : resolve(s)));
      });
      const port = (server.address() as AddressInfo).port;
      logger.info('cache projector listening', { host: config.http.host, port });
      // The consumer joins the group at once, beside the admin and dead-letter clients
      // (whose first connect may wait seconds for a coordinator): a restarted worker resumes
      // within a second of its start. A dead letter meanwhile waits in the batch's retry.
      await Promise.all([admin.connect(), deadLetterProducer.connect(), consumer.start()]);
      topicCheck.start();
      return { port };
    },
    stop() {
      stopping ??= (async () => {
        // What the clients report while closing is no outage.
        redisState.close();
        kafkaState.close();
        await consumer.stop().catch((error: unknown) => logger.error('consumer stop failed', { err: errorFields(error) }));
        await topicCheck.stop();
        if (server) await new Promise<void>((resolve) => server?.close(() => resolve()));
        await deadLetterProducer.disconnect().catch(() => undefined);
        await admin.disconnect().catch(() => undefined);
        await redis.close();
        logger.info('cache projector stopped', {
          applied: counters.applied,
          stale: counters.stale,
          dead_lettered: counters.deadLettered,
          batches: counters.batches,
        });
      })();
      return stopping;
    },
  };
}
