import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { benchAuth } from './bench-auth.js';
import { SERVER_CORES, type BenchChild, type ChildProcesses } from './child-processes.js';

/** Where the suite's servers find the stack, and the names that keep its data apart from everyone else's. */
export interface BenchStack {
  databaseUrl: string;
  /** A second database with the same schema, for pgbench's writes (see the POST row). */
  pgbenchDatabaseUrl: string;
  redisUrl: string;
  brokers: string[];
  /** Unique per suite run: topics, Redis keys, channels and groups all start with it. */
  runId: string;
}

export interface ApiVariant {
  name: string;
  topic: string;
  cacheBackend: 'lru' | 'redis';
  /** Bytes the in-process LRU may hold; 1 turns it off (no order fits). */
  lruMaxBytes?: number;
  /** How long an LRU entry is served in redis mode. */
  lruTtlMs?: number;
  keyPrefix: string;
  invalidationChannel: string;
  cores?: string;
  /** Writes a V8 CPU profile into this directory when the process exits. */
  cpuProfileDir?: string;
  /** Without access control (AUTH_REQUIRED=false, development mode): the baseline of the auth rows. */
  withoutAuth?: boolean;
  /** Both rate limits (per subject and per address); absent, the limiter is off (0). */
  rateLimit?: string;
  /** AUTH_TOKEN_CACHE_MAX_ENTRIES. */
  tokenCacheEntries?: number;
  /** More variables, set last (the tracing row's OTEL_*). */
  env?: Readonly<Record<string, string>>;
}

export interface RunningServer {
  child: BenchChild;
  url: string;
  port: number;
}

/** An API: its public port, and the admin port with /readyz and /metrics. */
export interface RunningApi extends RunningServer {
  adminUrl: string;
}

/** A port nothing listens on right now, on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Polls `url` until it answers 200; fails at once if the process exits, or after `timeoutMs`. */
export async function waitForReady(child: BenchChild, url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!child.running) throw new Error(`${child.name} exited before it was ready:\n${child.tail()}`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) return;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) throw new Error(`${child.name} was not ready at ${url} within ${timeoutMs} ms:\n${child.tail()}`);
    await sleep(200);
  }
}

/**
 * What the image sets for every app (the Dockerfile's runtime stage): two glibc
 * malloc arenas, so librdkafka's and libuv's threads do not each keep an arena
 * of freed memory resident.
 */
export const APP_RUNTIME_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** The compiled API (apps/api/dist/main.js) as production runs it, configured through its environment. */
export async function startApi(children: ChildProcesses, stack: BenchStack, variant: ApiVariant): Promise<RunningApi> {
  const port = await freePort();
  const adminPort = await freePort();
  const env: Record<string, string> = {
    ...APP_RUNTIME_ENV,
    ...benchAuth().apiEnv,
    NODE_ENV: variant.withoutAuth ? 'development' : 'production',
    ...(variant.withoutAuth && { AUTH_REQUIRED: 'false' }),
    RATE_LIMIT_PER_SUBJECT: variant.rateLimit ?? '0',
    RATE_LIMIT_PER_ADDRESS: variant.rateLimit ?? '0',
    ...(variant.tokenCacheEntries !== undefined && { AUTH_TOKEN_CACHE_MAX_ENTRIES: String(variant.tokenCacheEntries) }),
    HOST: '127.0.0.1',
    PORT: String(port),
    ADMIN_PORT: String(adminPort),
    DATABASE_URL: stack.databaseUrl,
    KAFKA_BROKERS: stack.brokers.join(','),
    KAFKA_TOPIC: variant.topic,
    KAFKA_CLIENT_ID: `bench-${variant.name}`,
    REDIS_URL: stack.redisUrl,
    REDIS_KEY_PREFIX: variant.keyPrefix,
    CACHE_INVALIDATION_CHANNEL: variant.invalidationChannel,
    CACHE_BACKEND: variant.cacheBackend,
    LOG_LEVEL: 'warn',
    LOG_PRETTY: 'false',
    ...(variant.lruMaxBytes !== undefined && { CACHE_LRU_MAX_BYTES: String(variant.lruMaxBytes) }),
    ...(variant.lruTtlMs !== undefined && { CACHE_LRU_TTL_MS: String(variant.lruTtlMs) }),
    ...variant.env,
  };
  const profile = variant.cpuProfileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', variant.cpuProfileDir];
  const child = children.start({
    name: variant.name,
    command: process.execPath,
    args: [...profile, 'apps/api/dist/main.js'],
    env,
    cores: variant.cores ?? SERVER_CORES,
  });
  const url = `http://127.0.0.1:${port}`;
  const adminUrl = `http://127.0.0.1:${adminPort}`;
  await waitForReady(child, `${adminUrl}/readyz`);
  return { child, url, port, adminUrl };
}

export interface ProjectorVariant {
  name: string;
  topic: string;
  groupId: string;
  keyPrefix: string;
  invalidationChannel: string;
  cores?: string;
  /** Writes a V8 CPU profile into this directory when the process exits. */
  cpuProfileDir?: string;
}

/** The compiled cache projector (apps/cache-projector/dist/main.js): one worker of its consumer group. */
export async function startProjector(children: ChildProcesses, stack: BenchStack, variant: ProjectorVariant): Promise<RunningServer> {
  const port = await freePort();
  const profile = variant.cpuProfileDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', variant.cpuProfileDir];
  const child = children.start({
    name: variant.name,
    command: process.execPath,
    args: [...profile, 'apps/cache-projector/dist/main.js'],
    env: {
      ...APP_RUNTIME_ENV,
      NODE_ENV: 'production',
      PROJECTOR_HOST: '127.0.0.1',
      PROJECTOR_PORT: String(port),
      KAFKA_BROKERS: stack.brokers.join(','),
      KAFKA_TOPIC: variant.topic,
      KAFKA_DLQ_TOPIC: `${variant.topic}.dlq`,
      KAFKA_GROUP_ID: variant.groupId,
      KAFKA_CLIENT_ID: `bench-${variant.name}`,
      REDIS_URL: stack.redisUrl,
      REDIS_KEY_PREFIX: variant.keyPrefix,
      CACHE_INVALIDATION_CHANNEL: variant.invalidationChannel,
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
    },
    cores: variant.cores ?? SERVER_CORES,
  });
  const url = `http://127.0.0.1:${port}`;
  await waitForReady(child, `${url}/readyz`);
  return { child, url, port };
}
