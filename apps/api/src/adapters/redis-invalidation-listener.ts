import type { RedisClientType } from 'redis';
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
export class RedisInvalidationListener {
  private subscriber: RedisClientType | undefined;
  received = 0;

  constructor(
    private readonly client: RedisClientType,
    private readonly channel: string,
    private readonly lru: LruOrderCache,
    private readonly logger: Logger,
  ) {}

  /** Subscribes in the background: the client reconnects (and resubscribes) on its own while Redis is away. */
  start(): void {
    const subscriber = this.client.duplicate();
    this.subscriber = subscriber;
    subscriber.on('error', (error: Error) => this.logger.warn('invalidation subscriber error', { err: error.message }));
    subscriber
      .connect()
      .then(() => subscriber.subscribe(this.channel, (message) => this.onMessage(message)))
      .catch((error: unknown) => this.logger.warn('invalidation subscriber could not start', { err: error instanceof Error ? error.message : String(error) }));
  }

  async stop(): Promise<void> {
    const subscriber = this.subscriber;
    this.subscriber = undefined;
    if (subscriber?.isReady) await subscriber.quit().catch(() => undefined);
    else if (subscriber?.isOpen) subscriber.destroy();
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
