/** The seed's topic-init step: creates the event topic and its dead-letter topic when missing. */
import { createKafka, deadLetterTopicSpec, ensureTopics, ordersTopicSpec } from '@order-service/kafka';
import { readInfraConfig } from '../config.js';

const { kafkaBrokers, ordersTopic, deadLetterTopic } = readInfraConfig();
const kafka = createKafka({
  brokers: kafkaBrokers,
  clientId: 'order-service-topic-init',
  logger: { error: console.error, warn: console.warn, info: () => undefined, debug: () => undefined },
});
const admin = kafka.admin();
await admin.connect();
try {
  const created = await ensureTopics(admin, [ordersTopicSpec(ordersTopic), deadLetterTopicSpec(deadLetterTopic)]);
  console.log(created.length ? `created topics ${created.join(', ')}` : `topics ${ordersTopic}, ${deadLetterTopic} exist`);
} finally {
  await admin.disconnect();
}
