/**
 * Base of the relay's errors. `code` is stable and safe to branch on; every one
 * of them is `retriable`: the rows stay in the outbox and a later attempt may
 * succeed.
 */
export class OutboxError extends Error {
  readonly retriable = true;
  constructor(
    readonly code: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** `OUTBOX.KAFKA_NOT_CONNECTED`: the producer has not connected within the publish timeout (or its connect failed). */
export class KafkaNotConnected extends OutboxError {
  constructor(detail: string, options?: ErrorOptions) {
    super('OUTBOX.KAFKA_NOT_CONNECTED', `the Kafka producer is not connected: ${detail}`, options);
  }
}

/** `OUTBOX.PUBLISH_TIMEOUT`: Kafka did not acknowledge a batch within the publish timeout. */
export class OutboxPublishTimeout extends OutboxError {
  constructor(timeoutMs: number, rows: number) {
    super('OUTBOX.PUBLISH_TIMEOUT', `Kafka did not acknowledge ${rows} outbox rows within ${timeoutMs} ms`);
  }
}

/** `OUTBOX.DRAIN_TIMEOUT`: the outbox still held rows when `drain()` gave up. */
export class OutboxDrainTimeout extends OutboxError {
  constructor(timeoutMs: number) {
    super('OUTBOX.DRAIN_TIMEOUT', `the outbox was not empty after ${timeoutMs} ms`);
  }
}
