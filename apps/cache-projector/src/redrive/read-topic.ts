// Reads every record a topic holds when the read begins, with a throwaway consumer group that never commits.
import { randomBytes } from 'node:crypto';
import type { KafkaJS } from '@order-service/kafka';
import type { ParkedRecord } from './dead-letter-survey.js';

export interface ReadTopicOptions {
  /** Prefix of the throwaway consumer group; a random suffix makes each read's group new. */
  groupIdPrefix: string;
  /** Called with the records read so far and the total, as batches arrive. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal | undefined;
}

/**
 * Every record of `topic` below the end offsets taken when the read begins
 * (later records are left for the next read), in offset order per partition.
 * A topic that does not exist holds nothing. Assumes a topic written without
 * transactions, as the dead-letter topic is.
 */
export async function readTopic(kafka: KafkaJS.Kafka, admin: KafkaJS.Admin, topic: string, options: ReadTopicOptions): Promise<ParkedRecord[]> {
  if (!(await admin.listTopics()).includes(topic)) return [];
  const ends = new Map<number, { low: number; high: number; next: number }>();
  for (const { partition, low, high } of await admin.fetchTopicOffsets(topic)) {
    if (Number(high) > Number(low)) ends.set(partition, { low: Number(low), high: Number(high), next: Number(low) });
  }
  const total = [...ends.values()].reduce((sum, { low, high }) => sum + high - low, 0);
  const records: ParkedRecord[] = [];
  if (total === 0) return records;

  const groupId = `${options.groupIdPrefix}-${Date.now().toString(36)}-${randomBytes(4).toString('hex')}`;
  const consumer = kafka.consumer({ kafkaJS: { groupId, fromBeginning: true, autoCommit: false } });
  let done = 0;
  let settle!: { resolve: () => void; reject: (error: unknown) => void };
  const finished = new Promise<void>((resolve, reject) => {
    settle = { resolve, reject };
  });
  const onAbort = (): void => settle.reject(options.signal?.reason ?? new Error('aborted'));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic] });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        const state = ends.get(batch.partition);
        if (state === undefined) return;
        for (const message of batch.messages) {
          const offset = Number(message.offset);
          if (offset < state.next || offset >= state.high) continue;
          records.push({
            partition: batch.partition,
            offset: message.offset,
            timestampMs: Number(message.timestamp),
            key: message.key,
            value: message.value,
            headers: message.headers,
          });
        }
        const next = Math.min(state.high, Number(batch.lastOffset()) + 1);
        if (next > state.next) {
          done += next - state.next;
          state.next = next;
        }
        options.onProgress?.(done, total);
        if ([...ends.values()].every((s) => s.next >= s.high)) settle.resolve();
      },
    });
    await finished;
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
    await consumer.disconnect().catch(() => undefined);
    await admin.deleteGroups([groupId]).catch(() => undefined);
  }
  return records.sort((a, b) => a.partition - b.partition || Number(a.offset) - Number(b.offset));
}
