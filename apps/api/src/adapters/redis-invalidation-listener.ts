import { decodeInvalidation } from '@order-service/contracts';
import type { Logger } from '@order-service/runtime';
import type { LruOrderCache } from './lru-order-cache.js';

/**
 * Listens for the projector's "these orders changed" messages and drops older
 * copies from this replica's LRU. A lost message only delays freshness until
 * the LRU's TTL; it never makes a read wrong for longer.
 *
 * The message is the contracts' InvalidationMessage, published by the cache projector.
 */
/** What the listener needs of a Redis connection (RedisConnection, single Redis or cluster, which also closes the subscription). */
export interface RedisSubscribing {
  subscribe(channel: string, listener: (message: string) => void): Promise<void>;
}

export class RedisInvalidationListener {
  received = 0;

  constructor(
    private readonly redis: RedisSubscribing,
    private readonly channel: string,
    private readonly lru: LruOrderCache,
    private readonly logger: Logger,
  ) {}

  /** Subscribes in the background: the connection reconnects (and resubscribes) on its own while Redis is away; closing it ends the subscription. */
  start(): void {
    this.redis
      .subscribe(this.channel, (message) => this.onMessage(message))
      .catch((error: unknown) => this.logger.warn('invalidation subscriber could not start', { err: error instanceof Error ? error.message : String(error) }));
  }

  private onMessage(message: string): void {
    try {
      const invalidations = decodeInvalidation(message);
      if (invalidations === undefined) return;
      for (const { orderUid, version } of invalidations) this.lru.invalidate(orderUid, version);
      this.received += 1;
    } catch (error) {
      this.logger.warn('unreadable invalidation message', { err: error instanceof Error ? error.message : String(error) });
    }
  }
}
