import type { Knex } from 'knex';
import { createDatabase, migrateLatest } from '@order-service/infra';
import { createKafka } from '@order-service/kafka';
import type { Logger } from '@order-service/runtime';
import type { ApiConfig } from './config.js';
import { buildHttpApp } from './http/app.js';
import { mapDomainError } from './http/domain-errors.js';
import { listen, type RunningServer } from './http/server.js';

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

  const app = buildHttpApp({
    logger,
    bodyLimitBytes: config.http.bodyLimitBytes,
    readiness: [{ name: 'postgres', check: async () => void (await db.raw('select 1')) }],
    routers: [],
    mapDomainError,
  });

  let server: RunningServer | undefined;
  let stopping: Promise<void> | undefined;

  return {
    async start() {
      if (config.database.migrateOnStart) {
        const applied = await migrateLatest(db);
        if (applied.length) logger.info('migrations applied', { applied });
      }
      void kafka;
      server = await listen(app, config.http.host, config.http.port, config.http.keepAliveTimeoutMs);
      logger.info('api listening', { host: config.http.host, port: server.port, cache_backend: config.cache.backend });
      return { port: server.port };
    },
    stop() {
      stopping ??= (async () => {
        await server?.close();
        await db.destroy();
        logger.info('api stopped');
      })();
      return stopping;
    },
  };
}
