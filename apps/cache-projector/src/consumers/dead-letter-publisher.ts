import type { EventDecodeReason } from '@order-service/contracts';

/** Where a dead letter came from: the record the projector could not apply. */
export interface DeadLetterSource {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
}

/**
 * A record that is not an order event this build can apply, parked with the
 * reason. Key, value and headers are the original record's, byte for byte,
 * so the record can be replayed once the cause is fixed.
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

/** The consumer's port to the dead-letter topic. */
export interface DeadLetterPublisher {
  /**
   * Parks the letters, resolving only once every one is acknowledged: the
   * consumer commits past a record only after that. Publishing the same
   * letters again (a retried batch) may park duplicates.
   */
  publish(letters: readonly DeadLetter[]): Promise<void>;
}
