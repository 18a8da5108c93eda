import { LRUCache } from 'lru-cache';
import type { OrderEvent } from '@order-service/contracts';
import {
  decide,
  toCachedOrder,
  toProjectionWrite,
  type ApplyOutcome,
  type CachedOrder,
  type ProjectionStore,
  type ProjectionWrite,
} from '@order-service/projection';

export interface LruOrderCacheOptions {
  maxEntries: number;
  maxBytes: number;
  /** Longest an entry is served; 0 keeps entries until evicted (when a projection keeps them current). */
  ttlMs: number;
}

/**
 * The in-process tier: serialised orders (and tombstones) bounded by count and
 * bytes. Every write goes through the projection's version check, so an older
 * version can never replace a newer one, whichever path brings it.
 *
 * It is also a ProjectionStore, so that with CACHE_BACKEND=lru the API process
 * projects the event topic straight into it.
 */
export class LruOrderCache implements ProjectionStore {
  private readonly entries: LRUCache<string, CachedOrder>;

  constructor({ maxEntries, maxBytes, ttlMs }: LruOrderCacheOptions) {
    this.entries = new LRUCache<string, CachedOrder>({
      max: maxEntries,
      maxSize: maxBytes,
      // A served entry is held twice, as the string (up to 2 bytes a character) and as the UTF-8 bytes its first hit makes.
      sizeCalculation: (entry, key) => key.length + (entry.state === 'present' ? 2 * entry.json.length + Buffer.byteLength(entry.json, 'utf8') : 0) + 64,
      ...(ttlMs > 0 && { ttl: ttlMs, updateAgeOnGet: false }),
    });
  }

  peek(orderUid: string): CachedOrder | undefined {
    return this.entries.get(orderUid);
  }

  /** Stores the entry unless the cache already holds this or a newer version. */
  offer(orderUid: string, entry: CachedOrder): ApplyOutcome {
    const current = this.entries.get(orderUid) ?? null;
    const outcome = decide(current, { orderUid, version: entry.version, json: entry.state === 'present' ? entry.json : null, modifiedAt: '' });
    if (outcome === 'applied') this.entries.set(orderUid, entry);
    return outcome;
  }

  /** Drops the entry if it is older than `version` (or whatever it is, without a version). */
  invalidate(orderUid: string, version?: number): void {
    const current = this.entries.peek(orderUid);
    if (current && (version === undefined || current.version < version)) this.entries.delete(orderUid);
  }

  get size(): number {
    return this.entries.size;
  }

  get bytes(): number {
    return this.entries.calculatedSize;
  }

  async applyBatch(events: readonly OrderEvent[]): Promise<ApplyOutcome[]> {
    return events.map((event) => {
      const write = toProjectionWrite(event);
      return this.offer(write.orderUid, toCachedOrder(write));
    });
  }

  async fill(write: ProjectionWrite): Promise<ApplyOutcome> {
    return this.offer(write.orderUid, toCachedOrder(write));
  }

  async get(orderUid: string): Promise<CachedOrder | null> {
    return this.entries.get(orderUid) ?? null;
  }
}
