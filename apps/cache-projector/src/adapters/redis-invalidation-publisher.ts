import { encodeInvalidations } from '@order-service/contracts';
import type { InvalidationPublisher } from '../consumers/invalidation-publisher.js';

/** What the publisher needs of a Redis connection (RedisConnection, single Redis or cluster). */
export interface RedisPublishing {
  publish(channel: string, message: string): Promise<void>;
}

/** Publishes invalidations on a Redis pub/sub channel, in the contracts' InvalidationMessage format. */
export class RedisInvalidationPublisher implements InvalidationPublisher {
  constructor(
    private readonly redis: RedisPublishing,
    private readonly channel: string,
  ) {}

  async publish(versions: ReadonlyMap<string, number>): Promise<void> {
    await Promise.all(encodeInvalidations(versions).map((message) => this.redis.publish(this.channel, message)));
  }
}
