/** What the operator tools read from the environment (the apps have their own convict schemas). */
export interface InfraConfig {
  databaseUrl: string;
  kafkaBrokers: string[];
  ordersTopic: string;
  deadLetterTopic: string;
}

export function readInfraConfig(env: NodeJS.ProcessEnv = process.env): InfraConfig {
  const ordersTopic = env.KAFKA_TOPIC ?? 'orders-events';
  return {
    databaseUrl: env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/orders',
    kafkaBrokers: (env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',').map((b) => b.trim()),
    ordersTopic,
    deadLetterTopic: env.KAFKA_DLQ_TOPIC ?? `${ordersTopic}.dlq`,
  };
}
