import type { OrderEvent } from '@order-service/contracts';

/**
 * What the cache holds for one order. `json` is the serialised order document
 * exactly as served to HTTP clients: the cache keeps the string so a read
 * serves it without parsing and re-serialising. `modifiedAt` is when the
 * version was written (ISO 8601), for Last-Modified.
 *
 * A `deleted` entry is a tombstone: it remembers the version of the delete so
 * that an older upsert arriving late cannot resurrect the order.
 */
export type CachedOrder =
  | { readonly state: 'present'; readonly version: number; readonly json: string; readonly modifiedAt?: string }
  | { readonly state: 'deleted'; readonly version: number };

/**
 * What applying one event did: `applied` when its version was newer than what
 * the store held for that order, `stale` when it was not (a duplicate, a
 * redelivery or an event overtaken by a newer one) and nothing was written.
 */
export type ApplyOutcome = 'applied' | 'stale';

/** One event reduced to what a store writes: `json` is null for a delete, which leaves a tombstone. */
export interface ProjectionWrite {
  readonly orderUid: string;
  readonly version: number;
  readonly json: string | null;
  /** When the version was written (the event's occurred_at). */
  readonly modifiedAt: string;
}

/**
 * A write whose document may be UTF-8 JSON bytes, which a store writes as
 * they are: a rebuild passes a record's document through without parsing it.
 */
export interface EncodedProjectionWrite {
  readonly orderUid: string;
  readonly version: number;
  readonly json: Buffer | string | null;
  readonly modifiedAt: string;
}

/**
 * The cache as a projection of the order topic.
 *
 * Events arrive at least once, possibly duplicated, out of order across
 * batches or replayed from the start; each order's entry only ever moves to a
 * higher version, so any delivery order of the same events ends in the same
 * state (within the tombstone lifetime, see the implementations).
 */
export interface ProjectionStore {
  /**
   * Applies the events in order; each is written only if its version is newer
   * than what the store holds for that order (equal is stale). Returns one
   * outcome per event, in the order of `events`.
   */
  applyBatch(events: readonly OrderEvent[]): Promise<ApplyOutcome[]>;

  /**
   * Writes what a read found in the system of record, through the same version
   * check as an event, so a fill never overwrites a newer entry.
   */
  fill(write: ProjectionWrite): Promise<ApplyOutcome>;

  /** The entry for one order, or null when the store knows nothing of it (or its tombstone expired). */
  get(orderUid: string): Promise<CachedOrder | null>;
}
