import type { KafkaJS } from '@order-service/kafka';
import { EVENT_HEADERS } from '@order-service/contracts';
import type { DeadLetter } from '@order-service/kafka';
import type { DeadLetterPublisher } from '../consumers/dead-letter-publisher.js';

/** Longest `dlq-error` header kept; the whole list of field errors of a large document can be long. */
const MAX_ERROR_LENGTH = 2_000;

/**
 * Parks dead letters in a Kafka topic: the original key, value and headers,
 * plus the `dlq-*` headers of EVENT_HEADERS saying why and where from.
 * The producer is expected to be idempotent with acks from all replicas
 * (`reliableProducerConfig`), so an acknowledged letter is not lost.
 */
export class KafkaDeadLetterPublisher implements DeadLetterPublisher {
  constructor(
    private readonly producer: KafkaJS.Producer,
    private readonly topic: string,
  ) {}

  async publish(letters: readonly DeadLetter[]): Promise<void> {
    if (letters.length === 0) return;
    await this.producer.send({ topic: this.topic, messages: letters.map(toMessage) });
  }
}

function toMessage(letter: DeadLetter): KafkaJS.Message {
  return {
    key: letter.key,
    value: letter.value,
    headers: {
      ...letter.headers,
      [EVENT_HEADERS.dlqReason]: letter.reason,
      [EVENT_HEADERS.dlqError]: letter.error.slice(0, MAX_ERROR_LENGTH),
      [EVENT_HEADERS.dlqSourceTopic]: letter.source.topic,
      [EVENT_HEADERS.dlqSourcePartition]: String(letter.source.partition),
      [EVENT_HEADERS.dlqSourceOffset]: letter.source.offset,
    },
  };
}
