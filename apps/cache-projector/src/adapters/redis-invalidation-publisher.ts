import { encodeInvalidations } from '@order-service/contracts';
import type { RedisCommandClient } from '@order-service/projection';
import type { InvalidationPublisher } from '../consumers/invalidation-publisher.js';

/** Publishes invalidations on a Redis pub/sub channel, in the contracts' InvalidationMessage format. */
export class RedisInvalidationPublisher implements InvalidationPublisher {
  constructor(
    private readonly client: RedisCommandClient,
    private readonly channel: string,
  ) {}

  async publish(versions: ReadonlyMap<string, number>): Promise<void> {
    await Promise.all(encodeInvalidations(versions).map((message) => this.client.sendCommand(['PUBLISH', this.channel, message])));
  }
}
