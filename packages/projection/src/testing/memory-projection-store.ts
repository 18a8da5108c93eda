import type { OrderEvent } from '@order-service/contracts';
import { decide, toCachedOrder, toProjectionWrite } from '../projection.js';
import type { ApplyOutcome, CachedOrder, ProjectionStore, ProjectionWrite } from '../projection-store.js';

export interface MemoryProjectionStoreOptions {
  /**
   * How long a delete's tombstone is remembered. Within it, a late upsert older
   * than the delete is stale; after it the store has forgotten the order, so
   * any upsert applies, even an older one. That bounds memory by time; the TTL
   * must outlast the longest delay with which an event can still arrive.
   */
  tombstoneTtlMs: number;
  /** Milliseconds since the epoch; injected so tests can move time. Defaults to `Date.now`. */
  now?: () => number;
}

/**
 * A `ProjectionStore` in process memory, for tests: the double of unit
 * specs and the reference model the Redis store is checked against. (The
 * API's in-process tier is LruOrderCache, bounded by entries and bytes.)
 */
export class MemoryProjectionStore implements ProjectionStore {
  readonly #entries = new Map<string, CachedOrder>();
  /**
   * When each tombstone expires. Iteration order is expiry order, because
   * every tombstone gets the same TTL and is re-inserted (not updated in place)
   * when written again; so the sweep stops at the first entry that has not
   * expired. Should the clock step back, a few tombstones outlive their TTL,
   * which errs on the safe side.
   */
  readonly #tombstoneExpiries = new Map<string, number>();
  readonly #tombstoneTtlMs: number;
  readonly #now: () => number;

  constructor(options: MemoryProjectionStoreOptions) {
    if (!Number.isFinite(options.tombstoneTtlMs) || options.tombstoneTtlMs <= 0) {
      throw new RangeError(`tombstoneTtlMs must be a positive number, got ${options.tombstoneTtlMs}`);
    }
    this.#tombstoneTtlMs = options.tombstoneTtlMs;
    this.#now = options.now ?? Date.now;
  }

  async applyBatch(events: readonly OrderEvent[]): Promise<ApplyOutcome[]> {
    this.#sweepExpiredTombstones();
    return events.map((event) => this.#write(toProjectionWrite(event)));
  }

  async fill(write: ProjectionWrite): Promise<ApplyOutcome> {
    this.#sweepExpiredTombstones();
    return this.#write(write);
  }

  #write(write: ProjectionWrite): ApplyOutcome {
    const outcome = decide(this.#entries.get(write.orderUid) ?? null, write);
    if (outcome === 'applied') {
      this.#entries.set(write.orderUid, toCachedOrder(write));
      this.#tombstoneExpiries.delete(write.orderUid);
      if (write.json === null) this.#tombstoneExpiries.set(write.orderUid, this.#now() + this.#tombstoneTtlMs);
    }
    return outcome;
  }

  async get(orderUid: string): Promise<CachedOrder | null> {
    this.#sweepExpiredTombstones();
    return this.#entries.get(orderUid) ?? null;
  }

  #sweepExpiredTombstones(): void {
    const now = this.#now();
    for (const [orderUid, expiresAt] of this.#tombstoneExpiries) {
      if (expiresAt > now) return;
      this.#tombstoneExpiries.delete(orderUid);
      this.#entries.delete(orderUid);
    }
  }
}
