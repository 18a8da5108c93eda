import { hostname } from 'node:os';
import type convict from 'convict';
import { loadConfig, tracingConfigSchema, type TracingConfig } from '@order-service/runtime';
import { TOPIC_SETTINGS_SCHEMA } from '@order-service/kafka';
import { REDIS_LAYOUT_SCHEMA } from '@order-service/projection/config';

export interface ProjectorConfig {
  env: 'production' | 'development' | 'test';
  http: { host: string; port: number };
  kafka: {
    brokers: string[];
    topic: string;
    deadLetterTopic: string;
    groupId: string;
    groupInstanceId: string;
    groupInstanceIdFromHostname: boolean;
    groupProtocol: 'classic' | 'consumer';
    clientId: string;
    maxBatchSize: number;
    partitionsConsumedConcurrently: number;
    sessionTimeoutMs: number;
    topicPartitions: number;
    topicReplicationFactor: number;
    topicMinInsyncReplicas: number;
  };
  redis: { url: string; clusterNodes: string[]; keyPrefix: string; tombstoneTtlSeconds: number; invalidationChannel: string };
  retry: { initialDelayMs: number; maxDelayMs: number };
  shutdown: { deadlineMs: number };
  log: { level: 'error' | 'warn' | 'info' | 'debug'; pretty: boolean };
  tracing: TracingConfig;
}

/** The projector's whole configuration: every key has its environment variable, a default and a check. */
export const projectorConfigSchema: convict.Schema<ProjectorConfig> = {
  env: { doc: 'Deployment environment.', format: ['production', 'development', 'test'], default: 'development', env: 'NODE_ENV' },
  http: {
    host: { doc: 'Address the health and metrics server binds.', format: String, default: '127.0.0.1', env: 'PROJECTOR_HOST' },
    port: { doc: 'Port of the health and metrics server (0 picks a free one).', format: 'port', default: 8081, env: 'PROJECTOR_PORT' },
  },
  kafka: {
    brokers: { doc: 'Kafka bootstrap servers, comma separated.', format: Array, default: ['127.0.0.1:9092'], env: 'KAFKA_BROKERS' },
    topic: { doc: 'Topic of order events.', format: String, default: 'orders-events', env: 'KAFKA_TOPIC' },
    deadLetterTopic: { doc: 'Where records that cannot be applied go.', format: String, default: 'orders-events.dlq', env: 'KAFKA_DLQ_TOPIC' },
    groupId: { doc: 'Consumer group shared by every projector worker.', format: String, default: 'order-cache-projector', env: 'KAFKA_GROUP_ID' },
    groupInstanceId: {
      doc: 'Static group membership id, unique per worker and stable across its restarts (a pod name); empty for dynamic membership. A static member restarted within the session timeout gets its partitions back without a rebalance.',
      format: String,
      default: '',
      env: 'KAFKA_GROUP_INSTANCE_ID',
    },
    groupInstanceIdFromHostname: {
      doc: 'Use the host name as KAFKA_GROUP_INSTANCE_ID when that is empty: stable where the host name is (a StatefulSet pod, a compose container across its restarts).',
      format: Boolean,
      default: false,
      env: 'KAFKA_GROUP_INSTANCE_ID_FROM_HOSTNAME',
    },
    groupProtocol: {
      doc: 'Consumer group protocol: classic (the session timeout below, cooperative-sticky assignment; every broker and Redpanda) or consumer (KIP-848, Kafka 4 brokers; timeouts set on the broker).',
      format: ['classic', 'consumer'],
      default: 'classic',
      env: 'KAFKA_GROUP_PROTOCOL',
    },
    clientId: { doc: 'Kafka client id of this process.', format: String, default: 'order-cache-projector', env: 'KAFKA_CLIENT_ID' },
    maxBatchSize: { doc: 'Most records handed to one batch apply.', format: 'nat', default: 2_000, env: 'PROJECTOR_MAX_BATCH_SIZE' },
    partitionsConsumedConcurrently: {
      doc: 'How many partitions a worker applies at the same time (one batch per partition at a time).',
      format: 'nat',
      default: 3,
      env: 'PROJECTOR_PARTITION_CONCURRENCY',
    },
    sessionTimeoutMs: {
      doc: 'How long the group waits for a silent worker (a crashed one) before giving its partitions to others; heartbeats go every tenth of it.',
      format: 'nat',
      default: 7_000,
      env: 'KAFKA_SESSION_TIMEOUT_MS',
    },
    ...TOPIC_SETTINGS_SCHEMA,
  },
  redis: {
    url: { doc: 'Redis connection URL.', format: String, default: 'redis://127.0.0.1:6379/0', env: 'REDIS_URL', sensitive: true },
    ...REDIS_LAYOUT_SCHEMA,
    tombstoneTtlSeconds: {
      doc: "How long a deleted order's tombstone is kept to refuse late, older upserts.",
      format: 'nat',
      default: 86_400,
      env: 'CACHE_TOMBSTONE_TTL_SECONDS',
    },
    invalidationChannel: {
      doc: 'Pub/sub channel that tells API replicas to drop an order from their local cache.',
      format: String,
      default: 'orders:invalidate',
      env: 'CACHE_INVALIDATION_CHANNEL',
    },
  },
  retry: {
    initialDelayMs: {
      doc: 'First pause before a batch that could not be applied (Redis or the DLQ unavailable) is tried again; it doubles up to retry.maxDelayMs.',
      format: 'nat',
      default: 200,
      env: 'PROJECTOR_RETRY_INITIAL_DELAY_MS',
    },
    maxDelayMs: {
      doc: 'Longest pause between two tries of the same batch (short, so a batch resumes soon after Redis or Kafka is back).',
      format: 'nat',
      default: 2_000,
      env: 'PROJECTOR_RETRY_MAX_DELAY_MS',
    },
  },
  shutdown: {
    deadlineMs: { doc: 'Longest a graceful shutdown may take before the process exits anyway.', format: 'nat', default: 15_000, env: 'SHUTDOWN_DEADLINE_MS' },
  },
  log: {
    level: { doc: 'Lowest level logged.', format: ['error', 'warn', 'info', 'debug'], default: 'info', env: 'LOG_LEVEL' },
    pretty: { doc: 'Human-readable log lines instead of JSON.', format: Boolean, default: false, env: 'LOG_PRETTY' },
  },
  tracing: tracingConfigSchema,
};

/** Reads and validates the configuration from the environment (and `.env`); throws naming every bad key. */
export function loadProjectorConfig({ env, dotenvPath }: { env?: NodeJS.ProcessEnv; dotenvPath?: string } = {}): ProjectorConfig {
  const config = loadConfig(projectorConfigSchema, { env: env ?? process.env, ...(dotenvPath !== undefined && { dotenvPath }) });
  if (config.kafka.groupInstanceId === '' && config.kafka.groupInstanceIdFromHostname) config.kafka.groupInstanceId = hostname();
  return config;
}
