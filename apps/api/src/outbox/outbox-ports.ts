/**
 * The ports the outbox relay composes: where the rows wait (OutboxStore), how
 * it learns that rows arrived (OutboxNotifications) and where they go
 * (OutboxPublisher), and the one it offers writers (OutboxAppendSignal). The
 * relay owns them; adapters implement them.
 */

/** One outbox row as the relay publishes it. */
export interface OutboxRow {
  id: number;
  slot: number;
  orderUid: string;
  version: number;
  eventType: string;
  /** The encoded event envelope, published as the record value. */
  payload: string;
  requestId: string | null;
  /** The W3C traceparent of the write that made the row; null when it was not traced. */
  traceparent: string | null;
  createdAt: Date;
}

/** What waits in the outbox, across every relay. */
export interface OutboxBacklog {
  rows: number;
  /** Age of the oldest waiting row; 0 when the outbox is empty. */
  oldestAgeSeconds: number;
}

/** The outbox table, as the relay reads and empties it. */
export interface OutboxStore {
  /** Whether any row waits, whichever relay will publish it. */
  hasRows(): Promise<boolean>;
  /**
   * Claims every slot with rows that no other relay holds, hands their oldest
   * `limit` rows (in `id` order) to `publish`, and deletes them once it
   * resolved, all in one transaction that holds the slots' locks. Resolves
   * with the number of rows published, 0 when the claimed slots were emptied
   * meanwhile, or undefined when no slot with rows could be claimed (a store
   * may report an emptied slot so too). A throw from `publish` rolls back:
   * the rows stay for a later attempt.
   */
  publishOldest(limit: number, publish: (rows: readonly OutboxRow[]) => Promise<void>): Promise<number | undefined>;
  /** Rows waiting and the age of the oldest, for a gauge. */
  backlog(): Promise<OutboxBacklog>;
}

/** Sends outbox rows to Kafka. */
export interface OutboxPublisher {
  /** Whether a producer is connected now; an idle relay does not ask for one. */
  readonly connected: boolean;
  /** Starts connecting in the background; does not wait for Kafka. */
  start(): void;
  /** Resolves once Kafka acknowledged every record of `rows`; throws a retriable error otherwise. */
  publish(rows: readonly OutboxRow[]): Promise<void>;
  /** Flushes and disconnects; safe to call twice. */
  stop(): Promise<void>;
}

/** Tells the relay when rows may be waiting: a notification, or the fallback poll. */
export interface OutboxNotifications {
  /** Whether notifications arrive now (otherwise only the poll wakes the relay). */
  readonly listening: boolean;
  /** Starts listening and polling; resolves once listening or, when that failed, once retrying in the background. */
  start(wake: () => void): Promise<void>;
  /** Stops listening and polling; safe to call twice. */
  stop(): Promise<void>;
}

/**
 * How a writer tells the relay of its own process that it committed outbox
 * rows, so they are published at once. Writers do not NOTIFY: PostgreSQL
 * serialises the commits of notifying transactions cluster-wide (each holds a
 * lock from its NOTIFY until its commit is flushed, so no two share a WAL
 * flush), which measured as most of the write path's wait. Every API replica
 * runs a relay, and any relay publishes any slot, so the writer's own relay is
 * enough: if another relay holds the row's slot, that relay's claim loop takes
 * the row before it stops. Rows of writers outside an API process wait for a
 * NOTIFY of theirs or for the poll.
 */
export interface OutboxAppendSignal {
  /** Called after a transaction that appended outbox rows committed. */
  appended(): void;
}

/** The logger methods the outbox parts use; a winston logger fits. */
export interface OutboxLog {
  error(message: string, meta?: object): unknown;
  warn(message: string, meta?: object): unknown;
  info(message: string, meta?: object): unknown;
  debug(message: string, meta?: object): unknown;
}
