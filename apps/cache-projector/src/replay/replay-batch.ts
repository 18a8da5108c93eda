import { EventDecodeError } from '@order-service/contracts';
import { toEncodedWrite, type EncodedProjectionWrite } from '@order-service/projection';

/** What a rebuild writes of a batch of records, and what it skips. */
export interface ReplayBatch {
  writes: EncodedProjectionWrite[];
  /** Records that are no event this build reads; the live projector sends them to the dead-letter topic. */
  undecodable: number;
  /** Compaction tombstones (null values): the delete event before each carried the change. */
  tombstones: number;
}

/**
 * Reduces a batch of records of the orders topic to the rebuild's writes,
 * keeping each upsert's document as the record's bytes (toEncodedWrite): a
 * rebuild needs of an event only its order, version, time and document text.
 */
export function readReplayBatch(messages: Iterable<{ readonly value: Buffer | null }>): ReplayBatch {
  const writes: EncodedProjectionWrite[] = [];
  let undecodable = 0;
  let tombstones = 0;
  for (const { value } of messages) {
    if (value === null) {
      tombstones += 1;
      continue;
    }
    try {
      writes.push(toEncodedWrite(value));
    } catch (error) {
      if (!(error instanceof EventDecodeError)) throw error;
      undecodable += 1;
    }
  }
  return { writes, undecodable, tombstones };
}
