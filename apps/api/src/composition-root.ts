import { circuitBreaker, ConsecutiveBreaker, handleAll } from 'cockatiel';
import type { Knex } from 'knex';
import { createDatabase, reportPoolConnections } from '@order-service/postgres';
import { anyBrokerReachable, countBrokers, createKafka, ordersTopicSpec, reliableProducerConfig, TopicProvisioningCheck } from '@order-service/kafka';
import { RedisConnection, RedisProjectionStore } from '@order-service/projection';
import { createMetricsRegistry, registerReadinessGauges, registerTopicProvisioningGauge } from '@order-service/metrics';
import { DependencyStateLog, Drain, tracingStarted, errorFields, probeReadiness, type Logger, type ReadinessCheck } from '@order-service/runtime';
import { IdempotencyKeyPruning } from './adapters/idempotency-key-pruning.js';
import { KnexIdempotencyStore } from './adapters/knex-idempotency-store.js';
import { KnexOrderRepository } from './adapters/knex-order-repository.js';
import { LruOrderCache } from './adapters/lru-order-cache.js';
import { RedisInvalidationListener } from './adapters/redis-invalidation-listener.js';
import { TieredOrderReader } from './adapters/tiered-order-reader.js';
import type { ApiConfig } from './config.js';
import { LruProjectionConsumer } from './consumers/lru-projection-consumer.js';
import { buildAdminApp } from './http/admin-app.js';
import { buildHttpApp } from './http/app.js';
import { actAsStaff, authenticate } from './http/auth/authenticate.js';
import { BearerTokenVerifier } from './http/auth/bearer-token-verifier.js';
import { rateLimiter } from './http/auth/rate-limit.js';
import { apiSecurityHeaders, corsPolicy, trustProxySetting } from './http/security-headers.js';
import { CursorCodec } from './http/cursor.js';
import { mapKnownError } from './http/known-errors.js';
import { ApiMetrics } from './http/metrics.js';
import { jsonBody } from './http/json-body.js';
import { orderRoutes } from './http/order-routes.js';
import { listen, type RunningServer } from './http/server.js';
import { webRoutes } from './http/web-routes.js';
import { operationsRoutes } from './http/operations-routes.js';
import { MetricsSampler } from './operations/metrics-sampler.js';
import { KafkaOutboxPublisher } from './outbox/kafka-outbox-publisher.js';
import { WatermarkedOutboxPublisher } from './outbox/published-watermark.js';
import { KnexOutboxStore } from './outbox/knex-outbox-store.js';
import { OutboxRelay } from './outbox/outbox-relay.js';
import { PgOutboxListener } from './outbox/pg-outbox-listener.js';
import { CreateOrder } from './use-cases/create-order.use-case.js';
import { DeleteOrder } from './use-cases/delete-order.use-case.js';
import { orderEvents } from './use-cases/order-events.js';
import { ReadOrder } from './use-cases/read-order.use-case.js';
import { ReadOperations } from './use-cases/read-operations.use-case.js';
import { ReplaceOrder } from './use-cases/replace-order.use-case.js';
import { SearchOrders } from './use-cases/search-orders.use-case.js';

export interface ApiApp {
  /** Connects to every dependency and starts serving; resolves with the bound port. */
  start(): Promise<{ port: number; adminPort: number }>;
  /**
   * The first step of a stop on SIGTERM: /readyz answers 503 at once, requests
   * are still served (each answer closing its connection) for the drain delay,
   * so the load balancer takes this replica out before it stops accepting.
   */
  drain(): Promise<void>;
  /** Stops in reverse order of start; safe to call more than once. */
  stop(): Promise<void>;
}

export function buildApp(config: ApiConfig, logger: Logger): ApiApp {
  const db: Knex = createDatabase({
    url: config.database.url,
    poolMax: config.database.poolMax,
    statementTimeoutMs: config.database.statementTimeoutMs,
    applicationName: 'order-api',
  });
  // Each dependency's outages are one line when they start, a summary every 30 s, one line when they end.
  const postgresState = new DependencyStateLog(logger.child({ component: 'postgres' }), 'postgres');
  reportPoolConnections(db, postgresState);
  const kafkaLog = logger.child({ component: 'kafka' });
  const kafkaState = new DependencyStateLog(kafkaLog, 'kafka', { probe: () => anyBrokerReachable(config.kafka.brokers) });
  const kafka = createKafka({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, logger: kafkaLog, connectivity: kafkaState });

  const metrics = new ApiMetrics(createMetricsRegistry('order-api'));
  const outboxLog = logger.child({ component: 'outbox-relay' });
  const outbox = new KnexOutboxStore(db);
  const publisher = new WatermarkedOutboxPublisher(
    new KafkaOutboxPublisher({
      createProducer: () => kafka.producer(reliableProducerConfig(config.outbox.publishTimeoutMs)),
      topic: config.kafka.topic,
      publishTimeoutMs: config.outbox.publishTimeoutMs,
      logger: outboxLog,
    }),
  );
  const relay = new OutboxRelay({
    store: outbox,
    publisher,
    notifications: new PgOutboxListener({
      // LISTEN needs a session of its own: behind PgBouncer in transaction mode, DATABASE_LISTEN_URL names PostgreSQL itself.
      connectionString: config.database.listenUrl || config.database.url,
      pollIntervalMs: config.outbox.pollIntervalMs,
      maxBackoffMs: config.outbox.maxBackoffMs,
      logger: outboxLog,
      state: new DependencyStateLog(outboxLog, 'outbox LISTEN connection'),
    }),
    logger: outboxLog,
    onPublished: (latencyMs, count) => {
      metrics.published.inc(count);
      metrics.publishLatency.observe(latencyMs / 1000);
    },
    options: {
      batchSize: config.outbox.batchSize,
      maxBackoffMs: config.outbox.maxBackoffMs,
      concurrency: config.outbox.concurrency,
      lingerMs: config.outbox.lingerMs,
    },
  });
  // Writes wake this replica's relay once they committed, rather than NOTIFY every relay (see OutboxAppendSignal).
  const orders = new KnexOrderRepository(db, orderEvents, relay);
  const useRedis = config.cache.backend === 'redis';
  const lru = new LruOrderCache({
    maxEntries: config.cache.lruMaxEntries,
    maxBytes: config.cache.lruMaxBytes,
    // Fed by pub/sub invalidations with Redis, a TTL bounds staleness; fed by the topic itself, entries stay current.
    ttlMs: useRedis ? config.cache.lruTtlMs : 0,
  });
  // Commands fail at once while Redis is unreachable instead of queueing, so reads fall through to PostgreSQL.
  const redisState = new DependencyStateLog(logger.child({ component: 'redis' }), 'redis');
  const redis = useRedis
    ? new RedisConnection({
        url: config.redis.url,
        clusterNodes: config.redis.clusterNodes,
        onError: (error) => redisState.down(error),
        onReady: () => redisState.up(),
      })
    : undefined;
  const shared = redis
    ? new RedisProjectionStore(redis.commands, { keyPrefix: config.redis.keyPrefix, tombstoneTtlSeconds: config.redis.tombstoneTtlSeconds })
    : undefined;
  const invalidations = redis
    ? new RedisInvalidationListener(redis, config.redis.invalidationChannel, lru, logger.child({ component: 'cache-invalidation' }))
    : undefined;
  const lruProjection = useRedis ? undefined : new LruProjectionConsumer(kafka, config.kafka.topic, lru, logger.child({ component: 'lru-projection' }));
  // While Redis fails, reads skip it for a second at a time and go to PostgreSQL; one warning when it starts failing, one line when it is back.
  const redisTier = circuitBreaker(handleAll, { halfOpenAfter: 1_000, breaker: new ConsecutiveBreaker(1) });
  let redisTierFailing = false;
  redisTier.onBreak((reason) => {
    // A failed probe breaks the circuit again: that is still the same outage.
    if (!redisTierFailing) logger.warn('redis tier failing: reading from PostgreSQL', { err: errorFields('error' in reason ? reason.error : undefined) });
    redisTierFailing = true;
  });
  redisTier.onReset(() => {
    redisTierFailing = false;
    logger.info('redis tier recovered');
  });
  const reader = new TieredOrderReader({
    lru,
    orders,
    ...(shared && { shared, sharedPolicy: redisTier }),
    observe: (tier) => metrics.observeRead(tier),
  });
  const drain = new Drain();
  const readiness: ReadinessCheck[] = [
    drain.readiness,
    {
      // The admin port opens first, so a load balancer must not be told "ready" before the public one answers.
      name: 'listening',
      check: async () => {
        if (!server) throw new Error('the public port is not listening yet');
      },
    },
    { name: 'postgres', check: async () => void (await db.raw('select 1')) },
  ];
  if (lruProjection) {
    readiness.push({
      name: 'cache-warm',
      check: async () => {
        if (!lruProjection.isWarm()) throw new Error('the in-process cache is still reading the topic');
      },
    });
  }
  readiness.push({
    name: 'outbox-notifications',
    // Polling still publishes every row, only later: a note, not a failure.
    check: async () => (relay.stats().listening ? undefined : `LISTEN connection down: the relay polls the outbox every ${config.outbox.pollIntervalMs} ms`),
  });
  const topicCheck = new TopicProvisioningCheck({
    admin: kafka.admin(),
    ownsAdmin: true,
    brokers: () => countBrokers({ brokers: config.kafka.brokers, clientId: config.kafka.clientId }),
    settings: {
      partitions: config.kafka.topicPartitions,
      replicationFactor: config.kafka.topicReplicationFactor,
      minInsyncReplicas: config.kafka.topicMinInsyncReplicas,
    },
    production: config.env === 'production',
    specs: (settings) => [ordersTopicSpec(config.kafka.topic, settings)],
    logger: logger.child({ component: 'kafka-topics' }),
  });
  registerTopicProvisioningGauge(metrics.registry, () => topicCheck.series());
  const idempotencyPruning = new IdempotencyKeyPruning(
    db,
    { retentionHours: config.idempotency.retentionHours },
    logger.child({ component: 'idempotency-pruning' }),
  );

  metrics.gauge('outbox_backlog_rows', 'Events waiting in the outbox (all replicas).', async () => (await outbox.backlog()).rows);
  metrics.gauge('outbox_oldest_age_seconds', 'Age of the oldest event waiting in the outbox.', async () => (await outbox.backlog()).oldestAgeSeconds);
  metrics.gauge('order_lru_entries', "Orders held by this process's LRU.", () => lru.size);
  metrics.gauge('order_lru_bytes', "Bytes of serialised orders held by this process's LRU.", () => lru.bytes);
  metrics.gauge(
    'outbox_last_published_event_timestamp_seconds',
    "Unix time of the newest outbox row this process published to Kafka (0 before the first): with the projector's projection_last_applied_event_timestamp_seconds, whether the cache lacks published events.",
    () => (publisher.newestPublishedMs ?? 0) / 1000,
  );
  metrics.gauge('order_redis_tier_failing', 'Whether reads skip Redis because it fails (1) or not (0); always 0 with CACHE_BACKEND=lru.', () =>
    redisTierFailing ? 1 : 0,
  );
  registerReadinessGauges(metrics.registry, () => probeReadiness(readiness));

  const verifier = new BearerTokenVerifier({
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    jwksUrl: config.auth.jwksUrl,
    jwksCooldownMs: config.auth.jwksCooldownMs,
    cacheMaxEntries: config.auth.tokenCacheMaxEntries,
  });

  const limiter = rateLimiter({
    windowMs: config.rateLimit.windowMs,
    perSubject: config.rateLimit.perSubject,
    perAddress: config.rateLimit.perAddress,
    ...(redis && { redis: { commands: redis.rateLimitCommands(), keyPrefix: config.redis.keyPrefix } }),
    logger: logger.child({ component: 'rate-limit' }),
  });
  const cors = corsPolicy(config.http.corsOrigins);
  const access = [config.auth.required ? authenticate(verifier) : actAsStaff(), ...(limiter ? [limiter] : [])];
  // The web page's operations view: this replica's and the projectors' own metrics, read over their admin ports.
  const sampler = new MetricsSampler({
    projectorUrls: config.operations.projectorMetricsUrls.filter((url) => url !== ''),
    intervalMs: Math.max(100, config.operations.sampleIntervalMs),
    windowMs: config.operations.windowMinutes * 60_000,
  });
  const admin = buildAdminApp({ logger: logger.child({ component: 'admin' }), readiness, metrics });
  const app = buildHttpApp({
    logger,
    routes: [
      orderRoutes({
        access,
        body: jsonBody(config.http.bodyLimitBytes),
        createOrder: new CreateOrder(orders, new KnexIdempotencyStore(db)),
        replaceOrder: new ReplaceOrder(orders),
        deleteOrder: new DeleteOrder(orders),
        searchOrders: new SearchOrders(orders),
        readOrder: new ReadOrder(reader),
        reader,
        cursors: new CursorCodec(config.search.cursorSecret),
      }),
      operationsRoutes({ access, readOperations: new ReadOperations(sampler) }),
      webRoutes({ devSignInUrl: config.auth.devSignInUrl }),
    ],
    mapKnownError,
    metrics,
    security: [apiSecurityHeaders(), ...(cors ? [cors] : [])],
    trustProxy: trustProxySetting(config.http.trustProxy),
    traceRequests: tracingStarted(),
  });

  let server: RunningServer | undefined;
  let adminServer: RunningServer | undefined;
  let stopping: Promise<void> | undefined;

  return {
    async start() {
      // First, so that probes see "not ready" while the rest starts rather than nothing.
      adminServer = await listen(admin, config.admin.host, config.admin.port, config.http.keepAliveTimeoutMs);
      sampler.start(`http://${loopbackOf(config.admin.host)}:${adminServer.port}/metrics`);
      await relay.start();
      // In the background: the API takes writes while Kafka is down, and reports the topic once it can.
      topicCheck.start();
      idempotencyPruning.start();
      if (redis) {
        // Not awaited: the client keeps reconnecting in the background, and the API
        // serves from PostgreSQL meanwhile (a Redis outage must not stop reads).
        redis.connect().catch((error: unknown) => logger.error('redis connect failed', { err: errorFields(error) }));
        invalidations?.start();
      }
      await lruProjection?.start();
      server = await listen(app, config.http.host, config.http.port, config.http.keepAliveTimeoutMs);
      logger.info('api listening', { host: config.http.host, port: server.port, admin_port: adminServer.port, cache_backend: config.cache.backend });
      return { port: server.port, adminPort: adminServer.port };
    },
    async drain() {
      if (stopping) return;
      const delayMs = config.shutdown.drainDelayMs;
      logger.info('draining: not ready, still serving', { drain_delay_ms: delayMs });
      server?.drain();
      await drain.begin(delayMs);
    },
    stop() {
      stopping ??= (async () => {
        const step = async (name: string, work: () => Promise<unknown> | undefined): Promise<void> => {
          const started = Date.now();
          await work();
          logger.debug('stopped', { part: name, ms: Date.now() - started });
        };
        await step('http', () => server?.close());
        // What the clients report while closing is no outage.
        for (const state of [postgresState, kafkaState, redisState]) state.close();
        await step('lru-projection', () => lruProjection?.stop());
        await step('redis', async () => {
          // Gracefully when connected; a connection not ready is destroyed (quit would wait for it).
          await redis?.close();
        });
        await step('idempotency-pruning', () => idempotencyPruning.stop());
        await step('outbox-relay', () => relay.stop());
        await step('kafka-topic-check', () => topicCheck.stop());
        await step('database', () => db.destroy());
        await step('operations-sampler', () => sampler.stop());
        await step('admin', () => adminServer?.close());
        logger.info('api stopped');
      })();
      return stopping;
    },
  };
}

/** Where this process reaches a server of its own bound to `host`: a wildcard address is reached on loopback. */
function loopbackOf(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
