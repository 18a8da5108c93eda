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
import type { OrderView } from '../use-cases/order-reader.js';

export interface LruOrderCacheOptions {
  maxEntries: number;
  /** What the entries may cost in memory, all counted (see ENTRY_OVERHEAD_BYTES). */
  maxBytes: number;
  /** Longest an entry is served; 0 keeps entries until evicted (when a projection keeps them current). */
  ttlMs: number;
}

/** What the LRU holds for an order: the view every hit serves (its bytes, once), or a tombstone. */
export type LruEntry =
  { readonly state: 'present'; readonly version: number; readonly view: OrderView } | { readonly state: 'deleted'; readonly version: number };

/**
 * What an entry costs besides its document's bytes and its key: the entry
 * and view objects, the Buffer and its ArrayBuffer, the Date, lru-cache's map
 * slot and arrays, and the answer headers the HTTP layer keeps per view
 * (ETag, Last-Modified, Cache-Status). Measured on Node 24 at about 1,560
 * bytes of heap per entry for the store's own objects and 2,820 of heap and
 * external memory in all for a 1,260-byte document with its headers
 * (lru-order-cache.spec.ts checks that what the heap and the external memory
 * grow by stays within what is counted).
 */
export const ENTRY_OVERHEAD_BYTES = 2048;

/**
 * The in-process tier: orders (and tombstones) bounded by count and by what
 * they cost in memory. An order is held once, as the UTF-8 bytes a hit sends
 * (its own allocation, never a slice of a shared pool slab that would keep the
 * whole slab alive), not also as a string, and `maxBytes` counts those bytes,
 * the key and every object that comes with the entry.
 *
 * Every write goes through the projection's version check, so an older
 * version can never replace a newer one, whichever path brings it. It is also
 * a ProjectionStore, so that with CACHE_BACKEND=lru the API process projects
 * the event topic straight into it.
 */
export class LruOrderCache implements ProjectionStore {
  private readonly entries: LRUCache<string, LruEntry>;

  constructor({ maxEntries, maxBytes, ttlMs }: LruOrderCacheOptions) {
    this.entries = new LRUCache<string, LruEntry>({
      max: maxEntries,
      maxSize: maxBytes,
      sizeCalculation: (entry, key) => 2 * key.length + ENTRY_OVERHEAD_BYTES + (entry.state === 'present' ? entry.view.body.byteLength : 0),
      ...(ttlMs > 0 && { ttl: ttlMs, updateAgeOnGet: false }),
    });
  }

  peek(orderUid: string): LruEntry | undefined {
    return this.entries.get(orderUid);
  }

  /** Stores the entry unless the cache already holds this or a newer version. */
  offer(orderUid: string, entry: CachedOrder): ApplyOutcome {
    const current = this.entries.get(orderUid);
    // The projection's own rule; only the versions take part in it.
    const held: CachedOrder | null = current === undefined ? null : { state: 'deleted', version: current.version };
    const outcome = decide(held, { orderUid, version: entry.version, json: entry.state === 'present' ? entry.json : null, modifiedAt: '' });
    if (outcome === 'applied')
      this.entries.set(orderUid, entry.state === 'present' ? { state: 'present', version: entry.version, view: lruView(entry) } : entry);
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

  /** What the entries cost, as counted against maxBytes. */
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
    const entry = this.entries.get(orderUid);
    if (entry === undefined) return null;
    if (entry.state === 'deleted') return entry;
    const { view } = entry;
    return {
      state: 'present',
      version: entry.version,
      json: view.body.toString('utf8'),
      ...(view.modifiedAt && { modifiedAt: view.modifiedAt.toISOString() }),
    };
  }
}

/** The view of a cached order: its UTF-8 bytes in an allocation of their own, made once. */
function lruView(entry: CachedOrder & { state: 'present' }): OrderView {
  const body = Buffer.allocUnsafeSlow(Buffer.byteLength(entry.json, 'utf8'));
  body.write(entry.json, 'utf8');
  return { body, version: entry.version, ...(entry.modifiedAt && { modifiedAt: new Date(entry.modifiedAt) }), tier: 'lru' };
}
