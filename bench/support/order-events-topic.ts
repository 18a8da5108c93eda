import { EVENT_HEADERS, SCHEMA_VERSION, encodeOrderEvent, type OrderUpserted } from '../../packages/contracts/src/index.js';
import { createKafka, deadLetterTopicSpec, ensureTopics, ordersTopicSpec, type KafkaJS } from '../../packages/kafka/src/index.js';
import { benchOrder } from './order-generator.js';

const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

/** Creates, fills and removes the suite's own topics; nothing it does touches the system's topics. */
export class BenchTopics {
  readonly #kafka: KafkaJS.Kafka;
  readonly #admin: KafkaJS.Admin;
  readonly #created = new Set<string>();
  readonly #groups = new Set<string>();

  constructor(brokers: string[]) {
    this.#kafka = createKafka({ brokers, clientId: 'order-service-bench', logger: quiet });
    this.#admin = this.#kafka.admin();
  }

  async connect(): Promise<void> {
    await this.#admin.connect();
  }

  /** An event topic shaped like the real one (6 partitions, compacted) and its dead-letter topic. */
  async create(topic: string): Promise<void> {
    await ensureTopics(this.#admin, [ordersTopicSpec(topic), deadLetterTopicSpec(`${topic}.dlq`)]);
    this.#created.add(topic);
    this.#created.add(`${topic}.dlq`);
  }

  /**
   * Publishes `count` order.upserted events, one per new order named
   * `${uidPrefix}-<n>`, as the outbox relay would (same key, headers and value
   * encoding). Returns the events' total size in bytes.
   */
  async fill(topic: string, count: number, uidPrefix: string, onProgress?: (done: number) => void): Promise<number> {
    const producer = this.#kafka.producer({
      'linger.ms': 20,
      'batch.num.messages': 10_000,
      'compression.type': 'lz4',
      'enable.idempotence': true,
      acks: -1,
    });
    await producer.connect();
    const occurredAt = new Date().toISOString();
    let bytes = 0;
    let done = 0;
    const inFlight = new Set<Promise<unknown>>();
    try {
      for (let start = 0; start < count; start += 1000) {
        const messages: KafkaJS.Message[] = [];
        for (let i = start; i < Math.min(count, start + 1000); i += 1) {
          const uid = `${uidPrefix}-${i + 1}`;
          const event: OrderUpserted = {
            schema_version: SCHEMA_VERSION,
            type: 'order.upserted',
            event_id: `bench-event-${i + 1}`,
            order_uid: uid,
            version: 1,
            occurred_at: occurredAt,
            request_id: null,
            order: benchOrder(i + 1, uid),
          };
          // Validating every event would make this loop the slowest part of the suite; the
          // generator's output is checked on a sample, the rest is serialised the same way.
          const value = i < 100 ? encodeOrderEvent(event) : Buffer.from(JSON.stringify(event), 'utf8');
          bytes += value.length;
          messages.push({
            key: uid,
            value,
            headers: { [EVENT_HEADERS.type]: event.type, [EVENT_HEADERS.version]: '1', [EVENT_HEADERS.schemaVersion]: String(SCHEMA_VERSION) },
          });
        }
        const sending = producer.send({ topic, messages }).then(() => {
          done += messages.length;
          onProgress?.(done);
        });
        inFlight.add(sending);
        void sending.finally(() => inFlight.delete(sending)).catch(() => undefined);
        if (inFlight.size >= 16) await Promise.race(inFlight);
      }
      await Promise.all(inFlight);
    } finally {
      await producer.disconnect();
    }
    return bytes;
  }

  /** A consumer group a benchmark used, deleted with the topics at the end. */
  forgetGroupLater(groupId: string): void {
    this.#groups.add(groupId);
  }

  /** Deletes the groups and every topic this instance created, then disconnects. */
  async close(): Promise<void> {
    if (this.#groups.size > 0) await this.#admin.deleteGroups([...this.#groups]).catch(() => undefined);
    if (this.#created.size > 0) await this.#admin.deleteTopics({ topics: [...this.#created] }).catch(() => undefined);
    await this.#admin.disconnect().catch(() => undefined);
  }
}
