/**
 * The seed's topic-init step: creates the event topic and its dead-letter topic
 * when missing, with the configured partitions, replication factor and
 * min.insync.replicas (defaults resolved against the cluster's brokers), and
 * names every existing topic that has fewer partitions or replicas than that.
 */
import { countBrokers, createKafka, deadLetterTopicSpec, ensureTopics, inspectTopics, ordersTopicSpec, resolveTopicSettings } from '@order-service/kafka';
import { readInfraConfig } from '../config.js';

const config = readInfraConfig();
const clientId = 'order-service-topic-init';
const kafka = createKafka({
  brokers: config.kafkaBrokers,
  clientId,
  logger: { error: console.error, warn: console.warn, info: () => undefined, debug: () => undefined },
});
// A replication factor above the brokers seen waits for more to join (a cluster starting beside this job), for a minute.
let brokers = await countBrokers({ brokers: config.kafkaBrokers, clientId });
for (const deadline = Date.now() + 60_000; brokers < config.topicReplicationFactor && Date.now() < deadline;) {
  console.log(`waiting for ${config.topicReplicationFactor} brokers; ${brokers} in the cluster so far`);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  brokers = await countBrokers({ brokers: config.kafkaBrokers, clientId });
}
const settings = resolveTopicSettings(
  { partitions: config.topicPartitions, replicationFactor: config.topicReplicationFactor, minInsyncReplicas: config.topicMinInsyncReplicas },
  { brokers, production: config.env === 'production' },
);
const specs = [ordersTopicSpec(config.ordersTopic, settings), deadLetterTopicSpec(config.deadLetterTopic, settings)];
const admin = kafka.admin();
await admin.connect();
try {
  const created = await ensureTopics(admin, specs);
  const describe = `${settings.partitions} partitions, replication factor ${settings.replicationFactor}, min.insync.replicas ${settings.minInsyncReplicas}; ${brokers} broker(s)`;
  console.log(
    created.length ? `created topics ${created.join(', ')} (${describe})` : `topics ${specs.map((s) => s.topic).join(', ')} exist (configured: ${describe})`,
  );
  // A topic created just now has what it was created with (and its metadata may not have reached every broker yet).
  for (const f of await inspectTopics(
    admin,
    specs.filter((s) => !created.includes(s.topic)),
  )) {
    console.warn(
      `warning: topic ${f.topic} has ${f.actual} ${f.aspect === 'partitions' ? 'partitions' : 'replicas'}, fewer than the ${f.configured} configured; left as it is`,
    );
  }
} finally {
  await admin.disconnect();
}
