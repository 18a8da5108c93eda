import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClient } from 'redis';
import { createKafka } from '@order-service/kafka';
import type { Logger } from '@order-service/runtime';
import type { ProjectorConfig } from './config.js';
import { buildHttpApp } from './http/app.js';

export interface ProjectorApp {
  start(): Promise<{ port: number }>;
  /** Stops in reverse order of start; safe to call more than once. */
  stop(): Promise<void>;
}

export function buildApp(config: ProjectorConfig, logger: Logger): ProjectorApp {
  const redis = createClient({ url: config.redis.url });
  redis.on('error', (error: Error) => logger.warn('redis connection error', { err: error.message }));
  const kafka = createKafka({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, logger: logger.child({ component: 'kafka' }) });
  const admin = kafka.admin();

  const app = buildHttpApp({
    readiness: [
      { name: 'redis', check: async () => void (await redis.ping()) },
      { name: 'kafka', check: async () => void (await admin.listTopics({ timeout: 1_500 })) },
    ],
  });

  let server: Server | undefined;
  let stopping: Promise<void> | undefined;

  return {
    async start() {
      await redis.connect();
      await admin.connect();
      server = await new Promise<Server>((resolve, reject) => {
        const s = app.listen(config.http.port, config.http.host, (error?: Error) => (error ? reject(error) : resolve(s)));
      });
      const port = (server.address() as AddressInfo).port;
      logger.info('cache projector listening', { host: config.http.host, port });
      return { port };
    },
    stop() {
      stopping ??= (async () => {
        if (server) await new Promise<void>((resolve) => server?.close(() => resolve()));
        await admin.disconnect().catch(() => undefined);
        if (redis.isOpen) await redis.quit();
        logger.info('cache projector stopped');
      })();
      return stopping;
    },
  };
}
