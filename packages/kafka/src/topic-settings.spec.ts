import { expect } from 'chai';
import { deadLetterTopicSpec, ordersTopicSpec } from './topics.js';
import { findShortfalls, resolveTopicSettings, TopicSettingsInvalid, topicLayout } from './topic-settings.js';

const unset = { partitions: 0, replicationFactor: 0, minInsyncReplicas: 0 };

describe('resolveTopicSettings', () => {
  it('defaults the replication factor to min(3, brokers) and min.insync.replicas to one less, at least 1', () => {
    const byBrokers = [1, 2, 3, 5].map((brokers) => resolveTopicSettings(unset, { brokers, production: false }));
    expect(byBrokers.map((s) => [s.replicationFactor, s.minInsyncReplicas])).to.deep.equal([
      [1, 1],
      [2, 1],
      [3, 2],
      [3, 2],
    ]);
  });

  it('defaults to 12 partitions in production and 6 elsewhere', () => {
    expect(resolveTopicSettings(unset, { brokers: 3, production: true }).partitions).to.equal(12);
    expect(resolveTopicSettings(unset, { brokers: 3, production: false }).partitions).to.equal(6);
  });

  it('takes what is configured over every default', () => {
    expect(resolveTopicSettings({ partitions: 24, replicationFactor: 2, minInsyncReplicas: 2 }, { brokers: 5, production: true })).to.deep.equal({
      partitions: 24,
      replicationFactor: 2,
      minInsyncReplicas: 2,
    });
    expect(
      resolveTopicSettings({ ...unset, replicationFactor: 5 }, { brokers: 5, production: false }).minInsyncReplicas,
      'derived from the configured factor',
    ).to.equal(4);
  });

  it('refuses what the cluster cannot satisfy, naming why', () => {
    expect(() => resolveTopicSettings({ ...unset, replicationFactor: 3 }, { brokers: 1, production: false })).to.throw(
      TopicSettingsInvalid,
      /replication factor 3 .* 1/,
    );
    expect(() => resolveTopicSettings({ ...unset, replicationFactor: 2, minInsyncReplicas: 3 }, { brokers: 3, production: false })).to.throw(
      TopicSettingsInvalid,
      /min.insync.replicas 3/,
    );
    expect(() => resolveTopicSettings(unset, { brokers: 0, production: false })).to.throw(TopicSettingsInvalid);
  });

  it('goes into both topic specs, the dead-letter topic keeping one partition', () => {
    const settings = resolveTopicSettings(unset, { brokers: 3, production: true });
    const orders = ordersTopicSpec('orders-events', settings);
    const dlq = deadLetterTopicSpec('orders-events.dlq', settings);
    expect([orders.numPartitions, orders.replicationFactor, orders.config['min.insync.replicas']]).to.deep.equal([12, 3, '2']);
    expect([dlq.numPartitions, dlq.replicationFactor, dlq.config['min.insync.replicas']]).to.deep.equal([1, 3, '2']);
    expect(orders.config['cleanup.policy']).to.equal('compact');
  });
});

describe('findShortfalls (the under-provisioned report)', () => {
  const wanted = { partitions: 12, replicationFactor: 3 };

  it('reports fewer partitions and fewer replicas, each with both figures', () => {
    expect(findShortfalls('t', wanted, { partitions: 6, replicationFactor: 1 })).to.deep.equal([
      { topic: 't', aspect: 'partitions', configured: 12, actual: 6 },
      { topic: 't', aspect: 'replication_factor', configured: 3, actual: 1 },
    ]);
    expect(findShortfalls('t', wanted, { partitions: 12, replicationFactor: 2 })).to.deep.equal([
      { topic: 't', aspect: 'replication_factor', configured: 3, actual: 2 },
    ]);
  });

  it('accepts a topic with as many or more than configured', () => {
    expect(findShortfalls('t', wanted, { partitions: 12, replicationFactor: 3 })).to.deep.equal([]);
    expect(findShortfalls('t', wanted, { partitions: 24, replicationFactor: 5 })).to.deep.equal([]);
  });

  it('reports a missing topic as having neither', () => {
    expect(findShortfalls('t', wanted, undefined).map((f) => [f.aspect, f.actual])).to.deep.equal([
      ['partitions', 0],
      ['replication_factor', 0],
    ]);
  });

  it('takes the fewest replicas of any partition as the topic replication factor', () => {
    expect(topicLayout([{ replicas: [1, 2, 3] }, { replicas: [2] }, { replicas: [3, 1] }])).to.deep.equal({ partitions: 3, replicationFactor: 1 });
    expect(topicLayout([])).to.deep.equal({ partitions: 0, replicationFactor: 0 });
  });
});
