import type convict from 'convict';
import { loadConfig, tracingConfigSchema, type TracingConfig } from '@order-service/runtime';
import { TOPIC_SETTINGS_SCHEMA } from '@order-service/kafka';
import { REDIS_LAYOUT_SCHEMA } from '@order-service/projection/config';

/** The development issuer's identifier and key set (see scripts/dev-issuer); production refuses both. */
export const DEV_ISSUER = 'urn:order-service:dev-issuer';
export const DEV_JWKS_URL = 'http://127.0.0.1:8090/.well-known/jwks.json';
/** The cursor secret of development; production refuses it. */
const DEV_CURSOR_SECRET = 'local-development-cursor-secret';
/** The drain delay when SHUTDOWN_DRAIN_DELAY_MS is empty: a few probe periods of a load balancer in production, short elsewhere. */
const PRODUCTION_DRAIN_DELAY_MS = 5_000;
const DEVELOPMENT_DRAIN_DELAY_MS = 250;

/** The API's whole configuration: every key has its environment variable, a default and a check. */
export interface ApiConfig {
  env: 'production' | 'development' | 'test';
  http: { host: string; port: number; bodyLimitBytes: number; keepAliveTimeoutMs: number; trustProxy: string; corsOrigins: string[] };
  rateLimit: { windowMs: number; perSubject: number; perAddress: number };
  admin: { host: string; port: number };
  database: { url: string; listenUrl: string; poolMax: number; statementTimeoutMs: number };
  kafka: { brokers: string[]; topic: string; clientId: string; topicPartitions: number; topicReplicationFactor: number; topicMinInsyncReplicas: number };
  outbox: { batchSize: number; concurrency: number; lingerMs: number; pollIntervalMs: number; publishTimeoutMs: number; maxBackoffMs: number };
  redis: { url: string; clusterNodes: string[]; keyPrefix: string; invalidationChannel: string; tombstoneTtlSeconds: number };
  cache: { backend: 'lru' | 'redis'; lruMaxEntries: number; lruMaxBytes: number; lruTtlMs: number };
  idempotency: { retentionHours: number };
  search: { cursorSecret: string };
  auth: { required: boolean; issuer: string; audience: string; jwksUrl: string; jwksCooldownMs: number; tokenCacheMaxEntries: number; devSignInUrl: string };
  operations: { projectorMetricsUrls: string[]; sampleIntervalMs: number; windowMinutes: number };
  shutdown: { deadlineMs: number; drainDelayMs: number };
  log: { level: 'error' | 'warn' | 'info' | 'debug'; pretty: boolean };
  tracing: TracingConfig;
}

export const apiConfigSchema: convict.Schema<ApiConfig> = {
  env: { doc: 'Deployment environment.', format: ['production', 'development', 'test'], default: 'development', env: 'NODE_ENV' },
  http: {
    host: { doc: 'Address the HTTP server binds.', format: String, default: '127.0.0.1', env: 'HOST' },
    port: { doc: 'Port the HTTP server listens on (0 picks a free one).', format: 'port', default: 8080, env: 'PORT' },
    bodyLimitBytes: { doc: 'Largest request body accepted, in bytes; larger ones get 413.', format: 'nat', default: 1_048_576, env: 'HTTP_BODY_LIMIT_BYTES' },
    keepAliveTimeoutMs: {
      doc: "Idle keep-alive timeout; above the load balancer's own so it never reuses a closed socket.",
      format: 'nat',
      default: 65_000,
      env: 'HTTP_KEEP_ALIVE_TIMEOUT_MS',
    },
    trustProxy: {
      doc: "The load balancers whose X-Forwarded-For names the client (addresses, CIDR ranges or express's names such as loopback, comma separated); empty trusts none, so the client is the peer.",
      format: String,
      default: '',
      env: 'TRUST_PROXY',
    },
    corsOrigins: {
      doc: 'Origins whose web pages may call the API from a browser (CORS), comma separated; empty allows none.',
      format: Array,
      default: [],
      env: 'CORS_ORIGINS',
    },
  },
  rateLimit: {
    windowMs: { doc: 'Window of the rate limits.', format: 'nat', default: 60_000, env: 'RATE_LIMIT_WINDOW_MS' },
    perSubject: {
      doc: 'Requests one token subject may make per window, shared by every replica through Redis (per process with CACHE_BACKEND=lru); 0 for no limit.',
      format: 'nat',
      default: 6_000,
      env: 'RATE_LIMIT_PER_SUBJECT',
    },
    perAddress: {
      doc: 'Requests one client address may make per window without a valid token; 0 for no limit.',
      format: 'nat',
      default: 600,
      env: 'RATE_LIMIT_PER_ADDRESS',
    },
  },
  admin: {
    host: { doc: 'Address the operations server (/healthz, /readyz, /metrics) binds.', format: String, default: '127.0.0.1', env: 'ADMIN_HOST' },
    port: {
      doc: 'Port of the operations server (0 picks a free one); keep it off the load balancer.',
      format: 'port',
      default: 8082,
      env: 'ADMIN_PORT',
    },
  },
  database: {
    url: { doc: 'PostgreSQL connection URL.', format: String, default: 'postgres://postgres@127.0.0.1:5432/orders', env: 'DATABASE_URL', sensitive: true },
    listenUrl: {
      doc: "A direct PostgreSQL connection for the outbox relay's LISTEN (a transaction-pooling PgBouncer cannot deliver NOTIFY); empty for DATABASE_URL.",
      format: String,
      default: '',
      env: 'DATABASE_LISTEN_URL',
      sensitive: true,
    },
    poolMax: { doc: 'Most connections in the pool.', format: 'nat', default: 16, env: 'DATABASE_POOL_MAX' },
    statementTimeoutMs: { doc: 'Longest a statement may run.', format: 'nat', default: 10_000, env: 'DATABASE_STATEMENT_TIMEOUT_MS' },
  },
  kafka: {
    brokers: { doc: 'Kafka bootstrap servers, comma separated.', format: Array, default: ['127.0.0.1:9092'], env: 'KAFKA_BROKERS' },
    topic: { doc: 'Topic every order change is published to.', format: String, default: 'orders-events', env: 'KAFKA_TOPIC' },
    clientId: { doc: 'Kafka client id of this process.', format: String, default: 'order-api', env: 'KAFKA_CLIENT_ID' },
    ...TOPIC_SETTINGS_SCHEMA,
  },
  outbox: {
    batchSize: { doc: 'Outbox rows published per Kafka send.', format: 'nat', default: 500, env: 'OUTBOX_BATCH_SIZE' },
    concurrency: {
      doc: "Kafka sends one replica's relay keeps in flight, each for other outbox slots; each holds a database connection while it waits. One send at a time makes fewer, larger batches: about 30% less CPU per order across the API, PostgreSQL and the broker than 3 (bench POST row), with the projection lag well within its target; more keep other slots moving while a slow send waits.",
      format: 'nat',
      default: 1,
      env: 'OUTBOX_CONCURRENCY',
    },
    lingerMs: {
      doc: 'While outbox rows keep coming, how long the relay waits for more after a batch that was not full before it claims the next (the first after a quiet spell goes at once): each batch costs a transaction, a WAL flush and a Kafka produce request whatever it holds, so a few milliseconds of the projection lag buy several times fewer of them under load. 0 claims at once.',
      format: 'nat',
      default: 5,
      env: 'OUTBOX_LINGER_MS',
    },
    pollIntervalMs: { doc: 'Fallback poll of the outbox when no notification arrives.', format: 'nat', default: 1_000, env: 'OUTBOX_POLL_INTERVAL_MS' },
    publishTimeoutMs: {
      doc: 'How long one publish may wait for Kafka before the relay backs off.',
      format: 'nat',
      default: 10_000,
      env: 'OUTBOX_PUBLISH_TIMEOUT_MS',
    },
    maxBackoffMs: { doc: 'Longest pause between publish attempts while Kafka is down.', format: 'nat', default: 5_000, env: 'OUTBOX_MAX_BACKOFF_MS' },
  },
  redis: {
    url: {
      doc: 'Redis connection URL (used when CACHE_BACKEND=redis).',
      format: String,
      default: 'redis://127.0.0.1:6379/0',
      env: 'REDIS_URL',
      sensitive: true,
    },
    ...REDIS_LAYOUT_SCHEMA,
    invalidationChannel: {
      doc: 'Pub/sub channel on which the projector names the orders it changed.',
      format: String,
      default: 'orders:invalidate',
      env: 'CACHE_INVALIDATION_CHANNEL',
    },
    tombstoneTtlSeconds: {
      doc: "How long a deleted order's tombstone is kept to refuse late, older upserts.",
      format: 'nat',
      default: 86_400,
      env: 'CACHE_TOMBSTONE_TTL_SECONDS',
    },
  },
  cache: {
    backend: {
      doc: 'Where cached reads come from: lru (in-process projection, no Redis) or redis.',
      format: ['lru', 'redis'],
      default: 'lru',
      env: 'CACHE_BACKEND',
    },
    lruMaxEntries: { doc: 'Most orders the in-process cache holds.', format: 'nat', default: 100_000, env: 'CACHE_LRU_MAX_ENTRIES' },
    lruMaxBytes: {
      doc: "Most memory the in-process cache may take, in bytes: each order's UTF-8 document, its key and about 2 KB of objects that come with it, all counted; the default leaves a 512 MiB container room for the rest of the process.",
      format: 'nat',
      default: 128 * 1024 * 1024,
      env: 'CACHE_LRU_MAX_BYTES',
    },
    lruTtlMs: {
      doc: 'Longest an in-process entry is served without a refresh (bounds staleness if an invalidation is lost).',
      format: 'nat',
      default: 5_000,
      env: 'CACHE_LRU_TTL_MS',
    },
  },
  idempotency: {
    retentionHours: { doc: 'How long Idempotency-Key answers are kept.', format: 'nat', default: 24, env: 'IDEMPOTENCY_RETENTION_HOURS' },
  },
  search: {
    cursorSecret: {
      doc: 'Secret that signs search cursors; the same on every replica.',
      format: String,
      default: DEV_CURSOR_SECRET,
      env: 'CURSOR_SECRET',
      sensitive: true,
    },
  },
  auth: {
    required: {
      doc: 'Whether order requests need an access token; false lets every request act as staff, for benchmarks and local experiments only, and is refused in production.',
      format: Boolean,
      default: true,
      env: 'AUTH_REQUIRED',
    },
    issuer: {
      doc: 'Issuer (`iss`) of the access tokens accepted; the default is the development issuer of ./scripts/up, refused in production.',
      format: String,
      default: DEV_ISSUER,
      env: 'AUTH_ISSUER',
    },
    audience: { doc: 'Audience (`aud`) the access tokens must name.', format: String, default: 'order-service', env: 'AUTH_AUDIENCE' },
    jwksUrl: {
      doc: "URL of the issuer's JSON Web Key Set (RS256 and ES256 keys); the default is the development issuer's, refused in production.",
      format: String,
      default: DEV_JWKS_URL,
      env: 'AUTH_JWKS_URL',
    },
    jwksCooldownMs: {
      doc: 'Least time between two fetches of the key set caused by tokens naming an unknown key (rotation).',
      format: 'nat',
      default: 30_000,
      env: 'AUTH_JWKS_COOLDOWN_MS',
    },
    tokenCacheMaxEntries: {
      doc: 'Most verified tokens remembered until they expire, so a reused token skips the signature check.',
      format: 'nat',
      default: 100_000,
      env: 'AUTH_TOKEN_CACHE_MAX_ENTRIES',
    },
    devSignInUrl: {
      doc: 'Token endpoint of the development issuer the web page signs in with (set by ./scripts/up); empty hides the sign-in buttons. Refused in production.',
      format: String,
      default: '',
      env: 'AUTH_DEV_SIGN_IN_URL',
    },
  },
  operations: {
    projectorMetricsUrls: {
      doc: "The cache projectors' /metrics URLs (their admin ports, PROJECTOR_PORT), comma separated, that the web page's operations view reads; empty reads this API only.",
      format: Array,
      default: ['http://127.0.0.1:8081/metrics'],
      env: 'OPS_PROJECTOR_METRICS_URLS',
    },
    sampleIntervalMs: {
      doc: "How often the operations view reads this API's and the projectors' metrics.",
      format: 'nat',
      default: 5_000,
      env: 'OPS_SAMPLE_INTERVAL_MS',
    },
    windowMinutes: { doc: 'How many minutes of points the operations view keeps and draws.', format: 'nat', default: 15, env: 'OPS_WINDOW_MINUTES' },
  },
  shutdown: {
    deadlineMs: { doc: 'Longest a graceful shutdown may take before the process exits anyway.', format: 'nat', default: 15_000, env: 'SHUTDOWN_DEADLINE_MS' },
    drainDelayMs: {
      doc: `After SIGTERM, how long the API answers /readyz with 503 and keeps serving (every answer with Connection: close) before it stops accepting, so that the load balancer takes it out first; below SHUTDOWN_DEADLINE_MS. Empty: ${PRODUCTION_DRAIN_DELAY_MS} in production, ${DEVELOPMENT_DRAIN_DELAY_MS} elsewhere.`,
      // Milliseconds as text, empty for the environment's default: resolved by loadApiConfig.
      format: (value: unknown) => {
        if (typeof value === 'number' ? !Number.isInteger(value) || value < 0 : !/^\d*$/.test(String(value)))
          throw new Error('must be a whole number of milliseconds, or empty');
      },
      default: '' as unknown as number,
      env: 'SHUTDOWN_DRAIN_DELAY_MS',
    },
  },
  log: {
    level: { doc: 'Lowest level logged.', format: ['error', 'warn', 'info', 'debug'], default: 'info', env: 'LOG_LEVEL' },
    pretty: { doc: 'Human-readable log lines instead of JSON.', format: Boolean, default: false, env: 'LOG_PRETTY' },
  },
  tracing: tracingConfigSchema,
};

/**
 * In production nothing may be left at a development default: no development
 * issuer and no secret anyone can read in this repository. Each line names
 * the key (and so the variable) to fix.
 */
function productionProblems(config: ApiConfig): string[] {
  if (config.env !== 'production') return [];
  const problems: string[] = [];
  if (!config.auth.required) problems.push('auth.required: access control cannot be turned off in production');
  if (config.auth.issuer === DEV_ISSUER) problems.push('auth.issuer: must name the production token issuer, not the development issuer');
  if (config.auth.jwksUrl === DEV_JWKS_URL) problems.push("auth.jwksUrl: must name the production issuer's key set, not the development issuer's");
  if (config.auth.devSignInUrl !== '') problems.push('auth.devSignInUrl: the development sign-in must not be set in production');
  if (config.search.cursorSecret === DEV_CURSOR_SECRET) problems.push('search.cursorSecret: is still the default secret; set a random one');
  return problems;
}

/** The drain is part of the shutdown, so it must leave the deadline time to finish what is in flight and close. */
function shutdownProblems(config: ApiConfig): string[] {
  const { drainDelayMs, deadlineMs } = config.shutdown;
  return drainDelayMs < deadlineMs
    ? []
    : [`shutdown.drainDelayMs: ${drainDelayMs} ms must be below shutdown.deadlineMs (${deadlineMs} ms, SHUTDOWN_DEADLINE_MS), which it is part of`];
}

/** Reads and validates the configuration from the environment (and `.env`); throws naming every bad key. */
export function loadApiConfig({ env, dotenvPath }: { env?: NodeJS.ProcessEnv; dotenvPath?: string } = {}): ApiConfig {
  const config = loadConfig(apiConfigSchema, { env: env ?? process.env, ...(dotenvPath !== undefined && { dotenvPath }) });
  const drainDelay = String(config.shutdown.drainDelayMs);
  config.shutdown.drainDelayMs =
    drainDelay === '' ? (config.env === 'production' ? PRODUCTION_DRAIN_DELAY_MS : DEVELOPMENT_DRAIN_DELAY_MS) : Number(drainDelay);
  const problems = [...shutdownProblems(config), ...productionProblems(config)];
  if (problems.length) throw new Error(problems.join('\n'));
  return config;
}
