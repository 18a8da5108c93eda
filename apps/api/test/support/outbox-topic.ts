import { headerText, ensureTopics, ordersTopicSpec, type KafkaJS } from '@order-service/kafka';
import { EVENT_HEADERS } from '@order-service/contracts';
import { uniqueName } from '../../../../test/support/environment.js';
import { waitFor } from '../../../../test/support/wait-for.js';

/** One record as it sits on the topic. */
export interface TopicRecord {
  partition: number;
  offset: number;
  key: string;
  /** null for a tombstone. */
  value: string | null;
  type: string | undefined;
  version: number | undefined;
  requestId: string | undefined;
  schemaVersion: string | undefined;
}

export const quietKafkaLog = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

/** Creates a compacted orders topic of its own for one test file. */
export async function createOrdersTopic(admin: KafkaJS.Admin, prefix: string): Promise<string> {
  const topic = uniqueName(prefix);
  await ensureTopics(admin, [ordersTopicSpec(topic)]);
  return topic;
}

/**
 * Reads a topic from the beginning for as long as a test file runs, with one
 * consumer (a group join costs seconds). `caughtUp()` waits until every record
 * on the topic at the time of the call has been read, which makes exact counts
 * possible: the idempotent producer writes no control records, so a partition
 * holds exactly `high - low` records.
 */
export class TopicTail {
  private readonly records: TopicRecord[] = [];
  private readonly nextOffset = new Map<number, number>();
  private consumer: KafkaJS.Consumer | undefined;
  private failure: unknown;

  constructor(
    private readonly kafka: KafkaJS.Kafka,
    private readonly admin: KafkaJS.Admin,
    readonly topic: string,
  ) {}

  async start(): Promise<void> {
    const consumer = this.kafka.consumer({ kafkaJS: { groupId: uniqueName('it-outbox-tail'), fromBeginning: true, autoCommit: false } });
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topics: [this.topic] });
    consumer
      .run({
        eachMessage: async ({ partition, message }) => {
          const version = headerText(message.headers, EVENT_HEADERS.version);
          this.records.push({
            partition,
            offset: Number(message.offset),
            key: message.key?.toString('utf8') ?? '',
            value: message.value === null ? null : message.value.toString('utf8'),
            type: headerText(message.headers, EVENT_HEADERS.type),
            version: version === undefined ? undefined : Number(version),
            requestId: headerText(message.headers, EVENT_HEADERS.requestId),
            schemaVersion: headerText(message.headers, EVENT_HEADERS.schemaVersion),
          });
          this.nextOffset.set(partition, Number(message.offset) + 1);
        },
      })
      .catch((error: unknown) => {
        this.failure = error;
      });
  }

  /** Waits until everything on the topic now has been read. */
  async caughtUp(timeoutMs = 20_000): Promise<void> {
    const offsets = await this.admin.fetchTopicOffsets(this.topic);
    await waitFor(
      'the topic tail has read every record',
      () => {
        if (this.failure !== undefined) throw this.failure;
        return offsets.every((p) => (this.nextOffset.get(p.partition) ?? Number(p.low)) >= Number(p.high));
      },
      { timeoutMs, intervalMs: 10 },
    );
  }

  /** The records whose key starts with `keyPrefix`, per partition in offset order (so per key in topic order). */
  recordsOf(keyPrefix: string): TopicRecord[] {
    return this.records.filter((record) => record.key.startsWith(keyPrefix)).sort((a, b) => a.partition - b.partition || a.offset - b.offset);
  }

  /** The records of `keyPrefix` grouped by key, each in topic order. */
  byKey(keyPrefix: string): Map<string, TopicRecord[]> {
    const grouped = new Map<string, TopicRecord[]>();
    for (const record of this.recordsOf(keyPrefix)) {
      const list = grouped.get(record.key) ?? [];
      list.push(record);
      grouped.set(record.key, list);
    }
    return grouped;
  }

  async stop(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** What a consumer deduplicating by version applies: each record whose version is above the highest seen. */
export function appliedVersions(records: readonly TopicRecord[]): number[] {
  const applied: number[] = [];
  for (const record of records) {
    if (record.value === null || record.version === undefined) continue;
    if (record.version > (applied.at(-1) ?? 0)) applied.push(record.version);
  }
  return applied;
}
