/** The gauge that says which of an app's Kafka topics have fewer partitions or replicas than configured. */
import client from 'prom-client';

export interface TopicProvisioningSeries {
  topic: string;
  aspect: string;
  short: boolean;
}

/**
 * `kafka_topic_underprovisioned{topic,aspect}`: 1 while a topic has fewer
 * partitions (aspect `partitions`) or replicas (`replication_factor`) than
 * configured, 0 when it has enough; no series until the check at start answered.
 */
export function registerTopicProvisioningGauge(registry: client.Registry, read: () => readonly TopicProvisioningSeries[]): void {
  new client.Gauge({
    name: 'kafka_topic_underprovisioned',
    help: 'Whether a Kafka topic has fewer partitions or replicas than configured (checked at start): 1 short, 0 as configured.',
    labelNames: ['topic', 'aspect'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { topic, aspect, short } of read()) this.set({ topic, aspect }, short ? 1 : 0);
    },
  });
}
