import type { DeadLetter } from '@order-service/kafka';

/** The consumer's port to the dead-letter topic. */
export interface DeadLetterPublisher {
  /**
   * Parks the letters, resolving only once every one is acknowledged: the
   * consumer commits past a record only after that. Publishing the same
   * letters again (a retried batch) may park duplicates.
   */
  publish(letters: readonly DeadLetter[]): Promise<void>;
}
