import type { Writable } from 'node:stream';
import { migrateLatest } from '@order-service/infra';
import { createDatabase, ensureDatabase } from '@order-service/postgres';
import { createKafka, deadLetterTopicSpec, ensureTopics, ordersTopicSpec } from '@order-service/kafka';
import { createLogger } from '@order-service/runtime';
import { buildApp } from '../../src/composition-root.js';
import { loadApiConfig, type ApiConfig } from '../../src/config.js';
import { testEnvironment, uniqueName } from '../../../../test/support/environment.js';
import { testIssuer } from '../../../../test/support/test-issuer.js';

export const quietKafkaLog = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

export interface RunningApi {
  url: string;
  /** The operations server: /healthz, /readyz, /metrics. */
  adminUrl: string;
  config: ApiConfig;
  stop(): Promise<void>;
}

/** Creates a fresh topic (and its DLQ) for one test file; returns its name. */
export async function createTestTopic(prefix = 'it-orders'): Promise<string> {
  const topic = uniqueName(prefix);
  const admin = createKafka({ brokers: testEnvironment.kafkaBrokers, clientId: 'it-admin', logger: quietKafkaLog }).admin();
  await admin.connect();
  try {
    await ensureTopics(admin, [ordersTopicSpec(topic), deadLetterTopicSpec(`${topic}.dlq`)]);
  } finally {
    await admin.disconnect();
  }
  return topic;
}

export async function deleteTestTopic(topic: string): Promise<void> {
  const admin = createKafka({ brokers: testEnvironment.kafkaBrokers, clientId: 'it-admin', logger: quietKafkaLog }).admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] });
  } finally {
    await admin.disconnect();
  }
}

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A migrated database of its own for one test file. The outbox is per database, so two
 * APIs sharing one would relay each other's events to their own topics. The API does
 * not migrate (the migrator job does), so the set-up applies the migrations here.
 */
export async function createTestDatabase(prefix = 'orders_it'): Promise<TestDatabase> {
  const url = new URL(testEnvironment.databaseUrl);
  url.pathname = `/${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 6)}`;
  await ensureDatabase(url.toString());
  const migrator = createDatabase({ url: url.toString(), poolMax: 1 });
  try {
    await migrateLatest(migrator);
  } finally {
    await migrator.destroy();
  }
  return {
    url: url.toString(),
    async drop() {
      const admin = new URL(url);
      admin.pathname = '/postgres';
      const db = createDatabase({ url: admin.toString(), poolMax: 1 });
      try {
        await db.raw(`drop database if exists "${url.pathname.slice(1)}" with (force)`);
      } finally {
        await db.destroy();
      }
    },
  };
}

/**
 * The real API, built as production builds it, on a free port against the test
 * servers; with a database of its own unless `env` names one.
 */
export async function startApi(env: Record<string, string> = {}, { logDestination }: { logDestination?: Writable } = {}): Promise<RunningApi> {
  const database = env.DATABASE_URL ? undefined : await createTestDatabase();
  const { apiEnv } = await testIssuer();
  const config = loadApiConfig({
    env: {
      ...apiEnv,
      NODE_ENV: 'test',
      PORT: '0',
      ADMIN_PORT: '0',
      DATABASE_URL: database?.url ?? testEnvironment.databaseUrl,
      REDIS_URL: testEnvironment.redisUrl,
      KAFKA_BROKERS: testEnvironment.kafkaBrokers.join(','),
      LOG_LEVEL: 'error',
      ...env,
    },
  });
  const app = buildApp(config, createLogger({ level: config.log.level, service: 'order-api-test', ...(logDestination && { destination: logDestination }) }));
  const { port, adminPort } = await app.start();
  return {
    url: `http://127.0.0.1:${port}`,
    adminUrl: `http://127.0.0.1:${adminPort}`,
    config,
    stop: async () => {
      await app.stop();
      await database?.drop();
    },
  };
}

export interface JsonResponse {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- tests inspect arbitrary documents
  text: string;
}

/**
 * A small fetch wrapper: JSON in, parsed JSON (when there is any) out. The
 * request carries the test issuer's staff token unless `token` names another
 * (null: none) or the headers carry an Authorization of their own.
 */
export async function call(
  base: string,
  method: string,
  path: string,
  options: { json?: unknown; body?: string; headers?: Record<string, string>; token?: string | null } = {},
): Promise<JsonResponse> {
  const token = options.token === undefined ? (await testIssuer()).staffToken : options.token;
  const headers: Record<string, string> = { ...(token !== null && { authorization: `Bearer ${token}` }), ...options.headers };
  let body: string | undefined = options.body;
  if (options.json !== undefined) {
    body = JSON.stringify(options.json);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined && { body }) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}
