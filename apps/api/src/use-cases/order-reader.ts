/** Which tier answered a read, named in the Cache-Status header. */
export type ReadTier = 'lru' | 'redis' | 'postgres';

/** An order ready to serve: its document already serialised, so a cached read does no JSON work. */
export interface OrderView {
  json: string;
  version: number;
  /** When the version was written, for Last-Modified; absent when the tier does not know. */
  modifiedAt?: Date;
  tier: ReadTier;
}

/** Reads one order by uid from the fastest tier that has it. */
export interface OrderReader {
  read(orderUid: string): Promise<OrderView | null>;
  /**
   * Tells the reader this process just wrote `version` of the order (`json`
   * null for a deletion), so that its next read of the order is at least as new.
   */
  recordWrite(orderUid: string, version: number, json: string | null, modifiedAt: Date): void;
}
