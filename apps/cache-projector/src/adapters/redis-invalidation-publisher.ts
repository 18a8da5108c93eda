import type { RedisCommandClient } from '@order-service/projection';
import type { InvalidationPublisher } from '../consumers/invalidation-publisher.js';

/**
 * One message on the invalidation channel: JSON text
 * `{"uids": ["o-1", "o-2"], "versions": [3, 1]}`, where `versions[i]` is the
 * version of `uids[i]` the projector has just handled (the cache holds that
 * version or a newer one). A replica drops its local copy of `uids[i]` when
 * that copy's version is lower than `versions[i]` (or unconditionally, if it
 * does not keep versions). The arrays have the same length, at most
 * MAX_UIDS_PER_MESSAGE; a batch of more orders is sent as several messages.
 * A message may name an order the replica already dropped, or name it again:
 * handling it must be idempotent.
 */
export interface InvalidationMessage {
  uids: string[];
  versions: number[];
}

/** Keeps each message a few tens of kilobytes at most (uids are at most 64 characters). */
export const MAX_UIDS_PER_MESSAGE = 500;

/** Publishes invalidations on a Redis pub/sub channel, in the InvalidationMessage format. */
export class RedisInvalidationPublisher implements InvalidationPublisher {
  constructor(
    private readonly client: RedisCommandClient,
    private readonly channel: string,
  ) {}

  async publish(versions: ReadonlyMap<string, number>): Promise<void> {
    await Promise.all(encodeInvalidations(versions).map((message) => this.client.sendCommand(['PUBLISH', this.channel, message])));
  }
}

/** The messages announcing `versions`, in order, each within MAX_UIDS_PER_MESSAGE. */
export function encodeInvalidations(versions: ReadonlyMap<string, number>): string[] {
  const entries = [...versions];
  const messages: string[] = [];
  for (let start = 0; start < entries.length; start += MAX_UIDS_PER_MESSAGE) {
    const chunk = entries.slice(start, start + MAX_UIDS_PER_MESSAGE);
    const message: InvalidationMessage = { uids: chunk.map(([uid]) => uid), versions: chunk.map(([, version]) => version) };
    messages.push(JSON.stringify(message));
  }
  return messages;
}
