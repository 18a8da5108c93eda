import { decodeOrderEvent, splitOrderUpsert, type OrderEvent } from '@order-service/contracts';
import { ProjectionStoreRejected } from './projection-errors.js';
import type { ApplyOutcome, CachedOrder, EncodedProjectionWrite, ProjectionStore, ProjectionWrite } from './projection-store.js';

/** Reduces an event to its write. The order is serialised here, once per event, and stores keep that exact string. */
export function toProjectionWrite(event: OrderEvent): ProjectionWrite {
  switch (event.type) {
    case 'order.upserted':
      return { orderUid: event.order_uid, version: event.version, json: JSON.stringify(event.order), modifiedAt: event.occurred_at };
    case 'order.deleted':
      return { orderUid: event.order_uid, version: event.version, json: null, modifiedAt: event.occurred_at };
  }
}

/**
 * A record's value reduced to its write without serialising the order again:
 * an upsert as serializeOrderUpsert wrote it keeps its document's bytes
 * (splitOrderUpsert); any other value is decoded whole, and throws
 * EventDecodeError when it is no event this build reads. What a rebuild
 * writes, where the document is only ever text.
 */
export function toEncodedWrite(value: Buffer): EncodedProjectionWrite {
  const upsert = splitOrderUpsert(value);
  if (upsert === undefined) return toProjectionWrite(decodeOrderEvent(value));
  const { envelope, document } = upsert;
  return { orderUid: envelope.order_uid, version: envelope.version, json: document, modifiedAt: envelope.occurred_at };
}

/**
 * Whether `write` replaces `current`: only a strictly newer version does.
 * Equal is stale because one version of an order is one event, so an equal
 * version is a duplicate; a tombstone takes part like any entry, which is what
 * keeps a late, older upsert from resurrecting a deleted order.
 */
export function decide(current: CachedOrder | null, write: ProjectionWrite): ApplyOutcome {
  return current === null || write.version > current.version ? 'applied' : 'stale';
}

/** The entry a store holds after `write` was applied. */
export function toCachedOrder(write: ProjectionWrite): CachedOrder {
  return write.json === null
    ? { state: 'deleted', version: write.version }
    : { state: 'present', version: write.version, json: write.json, modifiedAt: write.modifiedAt };
}

/** Applies events to a store and counts the outcomes, for metrics. */
export class Projection {
  #applied = 0;
  #stale = 0;

  constructor(private readonly store: ProjectionStore) {}

  /** Events that changed the store since this projection was built. */
  get applied(): number {
    return this.#applied;
  }

  /** Events that were duplicates or older than what the store held. */
  get stale(): number {
    return this.#stale;
  }

  async apply(event: OrderEvent): Promise<ApplyOutcome> {
    const [outcome] = await this.applyBatch([event]);
    if (outcome === undefined) throw new ProjectionStoreRejected('projection store returned no outcome for the event');
    return outcome;
  }

  async applyBatch(events: readonly OrderEvent[]): Promise<ApplyOutcome[]> {
    const outcomes = await this.store.applyBatch(events);
    if (outcomes.length !== events.length) {
      throw new ProjectionStoreRejected(`projection store returned ${outcomes.length} outcomes for ${events.length} events`);
    }
    for (const outcome of outcomes) {
      if (outcome === 'applied') this.#applied += 1;
      else this.#stale += 1;
    }
    return outcomes;
  }
}
