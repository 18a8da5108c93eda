import type { Knex } from 'knex';
import { createDatabase, migrateLatest } from '@order-service/infra';
import { createKafka, reliableProducerConfig } from '@order-service/kafka';
import type { Logger } from '@order-service/runtime';
import { KnexIdempotencyStore } from './adapters/knex-idempotency-store.js';
import { KnexOrderRepository } from './adapters/knex-order-repository.js';
import { PostgresOrderReader } from './adapters/postgres-order-reader.js';
import type { ApiConfig } from './config.js';
import { buildHttpApp } from './http/app.js';
import { CursorCodec } from './http/cursor.js';
import { mapKnownError } from './http/known-errors.js';
import { orderRoutes } from './http/order-routes.js';
import { listen, type RunningServer } from './http/server.js';
import { OutboxRelay } from './outbox/outbox-relay.js';
import { CreateOrder } from './use-cases/create-order.use-case.js';
import { DeleteOrder } from './use-cases/delete-order.use-case.js';
import { ReplaceOrder } from './use-cases/replace-order.use-case.js';
import { SearchOrders } from './use-cases/search-orders.use-case.js';

export interface ApiApp {
  /** Connects to every dependency and starts serving; resolves with the bound port. */
  start(): Promise<{ port: number }>;
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
  const kafka = createKafka({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, logger: logger.child({ component: 'kafka' }) });

  const orders = new KnexOrderRepository(db);
  const reader = new PostgresOrderReader(orders);
  const relay = new OutboxRelay({
    db,
    producer: kafka.producer(reliableProducerConfig(config.outbox.publishTimeoutMs)),
    topic: config.kafka.topic,
    logger: logger.child({ component: 'outbox-relay' }),
    listenConnectionString: config.database.url,
    options: {
      batchSize: config.outbox.batchSize,
      pollIntervalMs: config.outbox.pollIntervalMs,
      publishTimeoutMs: config.outbox.publishTimeoutMs,
      maxBackoffMs: config.outbox.maxBackoffMs,
      idempotencyRetentionHours: config.idempotency.retentionHours,
    },
  });

  const app = buildHttpApp({
    logger,
    bodyLimitBytes: config.http.bodyLimitBytes,
    readiness: [{ name: 'postgres', check: async () => void (await db.raw('select 1')) }],
    routers: [
      orderRoutes({
        createOrder: new CreateOrder(orders, new KnexIdempotencyStore(db)),
        replaceOrder: new ReplaceOrder(orders),
        deleteOrder: new DeleteOrder(orders),
        searchOrders: new SearchOrders(orders),
        reader,
        cursors: new CursorCodec(config.search.cursorSecret),
      }),
    ],
    mapKnownError,
  });

  let server: RunningServer | undefined;
  let stopping: Promise<void> | undefined;

  return {
    async start() {
      if (config.database.migrateOnStart) {
        const applied = await migrateLatest(db);
        if (applied.length) logger.info('migrations applied', { applied });
      }
      await relay.start();
      server = await listen(app, config.http.host, config.http.port, config.http.keepAliveTimeoutMs);
      logger.info('api listening', { host: config.http.host, port: server.port, cache_backend: config.cache.backend });
      return { port: server.port };
    },
    stop() {
      stopping ??= (async () => {
        await server?.close();
        await relay.stop();
        await db.destroy();
        logger.info('api stopped');
      })();
      return stopping;
    },
  };
}
