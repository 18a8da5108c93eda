import { noop, type IPolicy } from 'cockatiel';
import { LRUCache } from 'lru-cache';
import type { CachedOrder, ProjectionStore } from '@order-service/projection';
import type { OrderRepository } from '../use-cases/order-repository.js';
import type { OrderReader, OrderView } from '../use-cases/order-reader.js';
import type { LruOrderCache } from './lru-order-cache.js';

/** What the reader reports about each answer, for metrics. */
export type TierObserver = (tier: OrderView['tier'] | 'miss') => void;

export interface TieredOrderReaderOptions {
  lru: LruOrderCache;
  /** The shared tier (Redis); absent with CACHE_BACKEND=lru. */
  shared?: ProjectionStore;
  orders: OrderRepository;
  observe?: TierObserver;
  /**
   * Runs every call to the shared tier: a circuit breaker, so that while Redis
   * fails reads go straight to PostgreSQL. A failed or refused call is never
   * the reader's error; the read goes on from PostgreSQL.
   */
  sharedPolicy?: IPolicy;
}

/**
 * GET's read path: the in-process LRU, then the shared cache, then PostgreSQL.
 * A miss read from PostgreSQL is written back through the projection's version
 * check, so a fill can never overwrite a newer order; concurrent misses for
 * one order share one database read.
 *
 * Every read has a floor, the newest of the version the client says it has
 * seen (`minVersion`) and the version this process last wrote: a cached copy
 * (LRU or shared) older than the floor is skipped for the next tier, and
 * PostgreSQL answers whatever it holds. So a client reads its own writes from
 * any replica that is told the version (and from the one that took the write
 * without being told), even while the projector lags.
 */
function viewOf(entry: CachedOrder & { state: 'present' }, tier: OrderView['tier']): OrderView {
  return { body: Buffer.from(entry.json, 'utf8'), version: entry.version, ...(entry.modifiedAt && { modifiedAt: new Date(entry.modifiedAt) }), tier };
}

export class TieredOrderReader implements OrderReader {
  /** The shared database read of each order, with the floor it was started for: a read asking more does not join it. */
  private readonly inFlight = new Map<string, { floor: number; reading: Promise<OrderView | null> }>();
  private readonly written = new LRUCache<string, number>({ max: 100_000, ttl: 60_000 });

  private readonly sharedPolicy: IPolicy;

  constructor(private readonly options: TieredOrderReaderOptions) {
    this.sharedPolicy = options.sharedPolicy ?? noop;
  }

  cached(orderUid: string, minVersion = 0): OrderView | undefined {
    const local = this.options.lru.peek(orderUid);
    if (local?.state !== 'present' || local.version < this.floorOf(orderUid, minVersion)) return undefined;
    this.options.observe?.('lru');
    return local.view;
  }

  async read(orderUid: string, minVersion = 0): Promise<OrderView | null> {
    const local = this.cached(orderUid, minVersion);
    if (local !== undefined) return local;
    const floor = this.floorOf(orderUid, minVersion);
    const pending = this.inFlight.get(orderUid);
    if (pending && pending.floor >= floor) return pending.reading;
    const entry = {
      floor,
      reading: this.readThrough(orderUid, floor).finally(() => {
        if (this.inFlight.get(orderUid) === entry) this.inFlight.delete(orderUid);
      }),
    };
    this.inFlight.set(orderUid, entry);
    return entry.reading;
  }

  recordWrite(orderUid: string, version: number, json: string | null, modifiedAt: Date): void {
    this.written.set(orderUid, version);
    this.options.lru.offer(orderUid, json === null ? { state: 'deleted', version } : { state: 'present', version, json, modifiedAt: modifiedAt.toISOString() });
  }

  private floorOf(orderUid: string, minVersion: number): number {
    return Math.max(minVersion, this.written.get(orderUid) ?? 0);
  }

  private async readThrough(orderUid: string, floor: number): Promise<OrderView | null> {
    const { shared, lru, orders, observe } = this.options;
    if (shared) {
      try {
        const cached = await this.sharedPolicy.execute(() => shared.get(orderUid));
        if (cached?.state === 'present' && cached.version >= floor) {
          lru.offer(orderUid, cached);
          observe?.('redis');
          return viewOf(cached, 'redis');
        }
      } catch {
        // Reported by the policy; the read goes on from PostgreSQL.
      }
    }
    // The document as PostgreSQL built it, served as it comes: no rows decoded into an order and serialised again.
    const stored = await orders.getDocument(orderUid);
    observe?.(stored ? 'postgres' : 'miss');
    if (!stored) return null;
    const { json } = stored;
    const modifiedAt = stored.updatedAt.toISOString();
    lru.offer(orderUid, { state: 'present', version: stored.version, json, modifiedAt });
    if (shared) {
      this.sharedPolicy.execute(() => shared.fill({ orderUid, version: stored.version, json, modifiedAt })).catch(() => undefined);
    }
    return { body: Buffer.from(json, 'utf8'), version: stored.version, modifiedAt: stored.updatedAt, tier: 'postgres' };
  }
}
