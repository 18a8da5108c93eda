import { expect } from 'chai';
import { createKafka, ensureTopics, headerText, reliableProducerConfig, type KafkaJS } from '@order-service/kafka';
import { testEnvironment, uniqueName } from '../../../../test/support/environment.js';

const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

describe('Kafka through @confluentinc/kafka-javascript (real broker)', () => {
  const topic = uniqueName('it-produce-consume');
  const kafka = createKafka({ brokers: testEnvironment.kafkaBrokers, clientId: 'it-kafka', logger: quiet });
  let admin: KafkaJS.Admin;

  before(async () => {
    admin = kafka.admin();
    await admin.connect();
    const created = await ensureTopics(admin, [{ topic, numPartitions: 3, replicationFactor: 1, config: {} }]);
    expect(created).to.deep.equal([topic]);
    expect(await ensureTopics(admin, [{ topic, numPartitions: 3, replicationFactor: 1, config: {} }])).to.deep.equal([]);
  });

  after(async () => {
    await admin.deleteTopics({ topics: [topic] });
    // The topic list follows a deletion after a moment.
    let remaining = await admin.listTopics();
    for (let i = 0; i < 50 && remaining.includes(topic); i += 1) {
      await new Promise((r) => setTimeout(r, 100));
      remaining = await admin.listTopics();
    }
    await admin.disconnect();
    expect(remaining).not.to.include(topic);
  });

  it('delivers what the idempotent producer sent, with key and headers, in order per key', async () => {
    const producer = kafka.producer(reliableProducerConfig(10_000));
    await producer.connect();
    const sent = Array.from({ length: 20 }, (_, i) => ({ key: `k${i % 4}`, value: `v${i}`, headers: { n: String(i) } }));
    const expectedValues = sent.map((s) => s.value);
    await producer.send({ topic, messages: sent });
    await producer.disconnect();

    const consumer = kafka.consumer({
      kafkaJS: { groupId: uniqueName('it-group'), fromBeginning: true, autoCommit: false },
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic] });
    const received: Array<{ key: string; value: string; n: string | undefined }> = [];
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${received.length} of 20 records arrived`)), 20_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          received.push({ key: String(message.key), value: String(message.value), n: headerText(message.headers, 'n') });
          if (received.length === sent.length) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
    await consumer.disconnect();

    expect(received.map((r) => r.value)).to.have.members(expectedValues);
    for (const key of ['k0', 'k1', 'k2', 'k3']) {
      const perKey = received.filter((r) => r.key === key).map((r) => Number(r.n));
      expect(perKey).to.deep.equal([...perKey].sort((a, b) => a - b));
      expect(perKey).to.have.length(5);
    }
  });
});
