import { expect } from 'chai';
import { countBrokers, createKafka, deadLetterTopicSpec, ensureTopics, ordersTopicSpec, TopicProvisioningCheck, type KafkaJS } from '@order-service/kafka';
import { createMetricsRegistry, registerTopicProvisioningGauge } from '../../../metrics/src/index.js';
import { testEnvironment, uniqueName } from '../../../../test/support/environment.js';

describe('the under-provisioned topic report (real broker)', () => {
  const topic = uniqueName('it-provisioning');
  const deadLetterTopic = `${topic}.dlq`;
  const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
  const kafka = createKafka({ brokers: testEnvironment.kafkaBrokers, clientId: 'it-provisioning', logger: quiet });
  let admin: KafkaJS.Admin;

  before(async () => {
    admin = kafka.admin();
    await admin.connect();
    // An existing topic made smaller than the configuration asks; the dead-letter topic is missing.
    await ensureTopics(admin, [ordersTopicSpec(topic, { partitions: 3, replicationFactor: 1, minInsyncReplicas: 1 })]);
  });

  after(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  });

  it('counts the brokers of the cluster through a metadata request', async () => {
    expect(await countBrokers({ brokers: testEnvironment.kafkaBrokers, clientId: 'it-provisioning' })).to.equal(testEnvironment.kafkaBrokers.length);
  });

  it('warns once per shortfall and sets the gauge, leaving the topics as they are', async () => {
    const warnings: Array<{ message: string; meta?: object }> = [];
    const check = new TopicProvisioningCheck({
      admin,
      brokers: () => countBrokers({ brokers: testEnvironment.kafkaBrokers, clientId: 'it-provisioning' }),
      settings: { partitions: 6, replicationFactor: 0, minInsyncReplicas: 0 },
      production: false,
      specs: (settings) => [ordersTopicSpec(topic, settings), deadLetterTopicSpec(deadLetterTopic, settings)],
      logger: { ...quiet, warn: (message, meta) => warnings.push({ message, ...(meta && { meta }) }) },
      retryDelayMs: 100,
    });
    const registry = createMetricsRegistry('it-provisioning');
    registerTopicProvisioningGauge(registry, () => check.series());
    check.start();
    for (let i = 0; i < 100 && check.shortfalls() === undefined; i += 1) await new Promise((r) => setTimeout(r, 50));
    await check.stop();

    expect(check.shortfalls()).to.deep.equal([
      { topic, aspect: 'partitions', configured: 6, actual: 3 },
      { topic: deadLetterTopic, aspect: 'partitions', configured: 1, actual: 0 },
      { topic: deadLetterTopic, aspect: 'replication_factor', configured: 1, actual: 0 },
    ]);
    expect(warnings.map((w) => w.meta)).to.deep.equal(check.shortfalls());
    const text = await registry.metrics();
    expect(text).to.match(new RegExp(`^kafka_topic_underprovisioned\\{topic="${topic}",aspect="partitions"[^}]*\\} 1$`, 'm'));
    expect(text).to.match(new RegExp(`^kafka_topic_underprovisioned\\{topic="${topic}",aspect="replication_factor"[^}]*\\} 0$`, 'm'));
    expect(text).to.match(new RegExp(`^kafka_topic_underprovisioned\\{topic="${deadLetterTopic}",aspect="replication_factor"[^}]*\\} 1$`, 'm'));
    expect((await admin.fetchTopicMetadata({ topics: [topic] }))[0]?.partitions, 'never grown').to.have.length(3);
    expect(await admin.listTopics(), 'never created').not.to.include(deadLetterTopic);
  });
});
