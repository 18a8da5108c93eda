/** What the operator tools (migrate, create topics) read from the environment: a convict schema, like each app's. */
import convict from 'convict';
import { TOPIC_SETTINGS_SCHEMA } from '@order-service/kafka';

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
  ...TOPIC_SETTINGS_SCHEMA,
};

/** The operator tools' configuration, validated strictly; throws naming every bad variable. */
export function readInfraConfig(env: NodeJS.ProcessEnv = process.env): InfraConfig {
  const config = convict<InfraConfig>(infraConfigSchema, { env, args: [] });
  config.validate({ allowed: 'strict' });
  const properties = config.getProperties();
  return { ...properties, deadLetterTopic: properties.deadLetterTopic || `${properties.ordersTopic}.dlq` };
}
