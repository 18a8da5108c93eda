import { createKafka, headerText } from '@order-service/kafka';
import { testEnvironment, uniqueName } from '../../../../test/support/environment.js';
import { quietKafkaLog } from './api-harness.js';

export interface TopicRecord {
  partition: number;
  offset: number;
  key: string;
  value: string | null;
  headers: Record<string, string | undefined>;
}

/**
 * Reads a topic from the beginning with a throw-away consumer group until
 * `done(records)` holds, failing after `timeoutMs` with what it had; `brokers`
 * defaults to the test broker.
 */
export async function readTopicUntil(
  topic: string,
  done: (records: TopicRecord[]) => boolean,
  {
    timeoutMs = 45_000,
    headerNames = ['event-type', 'order-version', 'request-id', 'schema-version'],
    brokers = testEnvironment.kafkaBrokers,
  }: { timeoutMs?: number; headerNames?: string[]; brokers?: string[] } = {},
): Promise<TopicRecord[]> {
  const kafka = createKafka({ brokers, clientId: 'it-reader', logger: quietKafkaLog });
  const consumer = kafka.consumer({ kafkaJS: { groupId: uniqueName('it-reader'), fromBeginning: true, autoCommit: false } });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic] });
  const records: TopicRecord[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`condition not met after ${timeoutMs} ms with ${records.length} records`)), timeoutMs);
      void consumer.run({
        eachMessage: async ({ partition, message }) => {
          records.push({
            partition,
            offset: Number(message.offset),
            key: message.key?.toString('utf8') ?? '',
            value: message.value === null ? null : message.value.toString('utf8'),
            headers: Object.fromEntries(headerNames.map((h) => [h, headerText(message.headers, h)])),
          });
          if (done(records)) {
            clearTimeout(timer);
            resolve();
          }
        },
      });
    });
  } finally {
    await consumer.disconnect();
  }
  return records;
}
