import { ServiceError } from '@order-service/domain';

// Every one of these is retriable: the rows stay in the outbox and a later attempt may succeed.

/** `OUTBOX.KAFKA_NOT_CONNECTED`: the producer has not connected within the publish timeout (or its connect failed). */
export class KafkaNotConnected extends ServiceError {
  constructor(detail: string, options?: ErrorOptions) {
    super('OUTBOX.KAFKA_NOT_CONNECTED', `the Kafka producer is not connected: ${detail}`, { ...options, retriable: true });
  }
}

/** `OUTBOX.PUBLISH_TIMEOUT`: Kafka did not acknowledge a batch within the publish timeout. */
export class OutboxPublishTimeout extends ServiceError {
  constructor(timeoutMs: number, rows: number) {
    super('OUTBOX.PUBLISH_TIMEOUT', `Kafka did not acknowledge ${rows} outbox rows within ${timeoutMs} ms`, { retriable: true });
  }
}

/** `OUTBOX.DRAIN_TIMEOUT`: the outbox still held rows when `drain()` gave up. */
export class OutboxDrainTimeout extends ServiceError {
  constructor(timeoutMs: number) {
    super('OUTBOX.DRAIN_TIMEOUT', `the outbox was not empty after ${timeoutMs} ms`, { retriable: true });
  }
}
