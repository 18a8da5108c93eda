/** What the operator tools (migrate, create topics) read from the environment: a convict schema, like each app's. */
import convict from 'convict';

export interface InfraConfig {
  env: 'production' | 'development' | 'test';
  databaseUrl: string;
  kafkaBrokers: string[];
  ordersTopic: string;
  deadLetterTopic: string;
  topicPartitions: number;
  topicReplicationFactor: number;
  topicMinInsyncReplicas: number;
}

export const infraConfigSchema: convict.Schema<InfraConfig> = {
  env: { doc: 'Deployment environment.', format: ['production', 'development', 'test'], default: 'development', env: 'NODE_ENV' },
  databaseUrl: {
    doc: 'PostgreSQL connection URL.',
    format: String,
    default: 'postgres://postgres@127.0.0.1:5432/orders',
    env: 'DATABASE_URL',
    sensitive: true,
  },
  kafkaBrokers: { doc: 'Kafka bootstrap servers, comma separated.', format: Array, default: ['127.0.0.1:9092'], env: 'KAFKA_BROKERS' },
  ordersTopic: { doc: 'Topic every order change is published to.', format: String, default: 'orders-events', env: 'KAFKA_TOPIC' },
  deadLetterTopic: {
    doc: 'Dead-letter topic of the projector; empty for the event topic\'s name + ".dlq".',
    format: String,
    default: '',
    env: 'KAFKA_DLQ_TOPIC',
  },
  topicPartitions: {
    doc: 'Partitions of the event topic (the most projector workers that share the work); 0 for 12 in production, 6 otherwise.',
    format: 'nat',
    default: 0,
    env: 'KAFKA_TOPIC_PARTITIONS',
  },
  topicReplicationFactor: {
    doc: 'Replicas of every partition; 0 for min(3, brokers in the cluster).',
    format: 'nat',
    default: 0,
    env: 'KAFKA_TOPIC_REPLICATION_FACTOR',
  },
  topicMinInsyncReplicas: {
    doc: 'Replicas that must have a write before it is acknowledged (min.insync.replicas); 0 for the replication factor − 1, at least 1.',
    format: 'nat',
    default: 0,
    env: 'KAFKA_TOPIC_MIN_INSYNC_REPLICAS',
  },
};

/** The operator tools' configuration, validated strictly; throws naming every bad variable. */
export function readInfraConfig(env: NodeJS.ProcessEnv = process.env): InfraConfig {
  const config = convict<InfraConfig>(infraConfigSchema, { env, args: [] });
  config.validate({ allowed: 'strict' });
  const properties = config.getProperties();
  return { ...properties, deadLetterTopic: properties.deadLetterTopic || `${properties.ordersTopic}.dlq` };
}
