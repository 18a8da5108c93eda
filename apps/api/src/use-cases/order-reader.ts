/** Which tier answered a read, named in the Cache-Status header. */
export type ReadTier = 'lru' | 'redis' | 'postgres';

/**
 * An order ready to serve: its document already serialised to UTF-8, so a
 * cached read does no JSON or text encoding work. Views are immutable; a tier
 * may hand out the same view for every read of one cached version.
 */
export interface OrderView {
  readonly body: Buffer;
  readonly version: number;
  /** When the version was written, for Last-Modified; absent when the tier does not know. */
  readonly modifiedAt?: Date;
  readonly tier: ReadTier;
}

/**
 * Reads one order by uid from the fastest tier that has it.
 *
 * `minVersion` is the floor of a read: the version the client has already
 * seen (from `If-None-Match` or `Min-Version`). A tier holding an older copy
 * is skipped in favour of the next one, down to the system of record, so a
 * client never goes back in time whichever replica answers. 0 asks nothing.
 */
export interface OrderReader {
  read(orderUid: string, minVersion?: number): Promise<OrderView | null>;
  /** The order from this process's own tier, without waiting, at `minVersion` or newer; undefined when only a slower tier could answer. */
  cached(orderUid: string, minVersion?: number): OrderView | undefined;
  /**
   * Tells the reader this process just wrote `version` of the order (`json`
   * null for a deletion), so that its next read of the order is at least as new.
   */
  recordWrite(orderUid: string, version: number, json: string | null, modifiedAt: Date): void;
}
