import type { KafkaJS } from '@confluentinc/kafka-javascript';
import { decodeOrderEvent, EventDecodeError, type EventDecodeReason, type OrderEvent } from '@order-service/contracts';

/** Where a dead letter came from: the record that could not be read. */
export interface DeadLetterSource {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/**
 * A record that is not an order event this build can apply, with the reason.
 * Key, value and headers are the original record's, byte for byte, so the
 * record can be replayed once the cause is fixed.
 */
export interface DeadLetter {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: Readonly<Record<string, Buffer | string | (Buffer | string)[] | undefined>> | undefined;
  readonly reason: EventDecodeReason;
  /** What was wrong, in words, for whoever reads the dead-letter topic. */
  readonly error: string;
  readonly source: DeadLetterSource;
}

/** A batch of the orders topic, read. */
export interface OrderBatch {
  /** The events, in the order of their records. */
  events: OrderEvent[];
  /** The records that are not events this build can read. */
  deadLetters: DeadLetter[];
  /** Compaction tombstones (null values): the delete event before each carried the change. */
  tombstones: number;
}

/** Sorts a batch of the orders topic into events, dead letters and compaction tombstones; the one decoder of every consumer. */
export function readOrderBatch(batch: KafkaJS.Batch): OrderBatch {
  const events: OrderEvent[] = [];
  const deadLetters: DeadLetter[] = [];
  let tombstones = 0;
  for (const message of batch.messages) {
    if (message.value === null) {
      tombstones += 1;
      continue;
    }
    try {
      events.push(decodeOrderEvent(message.value));
    } catch (error) {
      deadLetters.push({
        key: message.key,
        value: message.value,
        headers: message.headers,
        reason: error instanceof EventDecodeError ? error.reason : 'invalid',
        error: error instanceof Error ? error.message : String(error),
        source: { topic: batch.topic, partition: batch.partition, offset: message.offset },
      });
    }
  }
  return { events, deadLetters, tombstones };
}
