import type { OrderDeleted, OrderUpserted } from '@order-service/contracts';
import type { Order, VersionedOrder } from '@order-service/domain';

/** What a write knows about the request that caused it; it travels with the write's event. */
export interface WriteContext {
  requestId: string | null;
}

/**
 * Makes the event of each write (see order-events.ts). The repository asks
 * for it inside the write's transaction, once the write learned its version
 * and time; it records the event, it does not make it.
 */
export interface WriteEvents {
  upserted(stored: VersionedOrder, context: WriteContext): OrderUpserted;
  deleted(orderUid: string, version: number, deletedAt: Date, context: WriteContext): OrderDeleted;
}

/** The versions a write accepts the stored order to be at: those `If-Match` names (at least one), or any existing version (`If-Match: *`). */
export type ExpectedVersion = readonly number[] | 'any';

/** A response recorded with the write it answers, so that a retry with the same Idempotency-Key gets it again. */
export interface RecordedResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface IdempotentWrite {
  key: string;
  render(stored: VersionedOrder): RecordedResponse;
}

/** An order's document as JSON text, the text every tier serves (orderDocumentText of the order), with its version and time. */
export interface StoredDocument {
  json: string;
  version: number;
  updatedAt: Date;
}

/** Search filters; all optional, combined with AND. Results are newest first. */
export interface OrderSearch {
  customerId?: string;
  trackNumber?: string;
  deliveryService?: string;
  createdFrom?: Date;
  createdTo?: Date;
  /** Continue after this position (exclusive) of the newest-first order. */
  after?: { dateCreated: Date; orderUid: string };
  limit: number;
}

/**
 * The orders' system of record. Every write is one transaction that also
 * records the write's event in the outbox, so a write that commits is a write
 * that is published.
 */
export interface OrderRepository {
  /** Stores a new order at version 1 (or after the version of an earlier deletion). Throws OrderAlreadyExists. */
  create(order: Order, context: WriteContext, idempotency?: IdempotentWrite): Promise<VersionedOrder>;
  /** Replaces the whole order, creating it when absent and `expected` is undefined. Throws OrderVersionConflict. */
  replace(order: Order, expected: ExpectedVersion | undefined, context: WriteContext): Promise<{ created: boolean; stored: VersionedOrder }>;
  /** Deletes the order; returns the version the deletion has. Throws OrderNotFound or OrderVersionConflict. */
  delete(orderUid: string, expected: ExpectedVersion | undefined, context: WriteContext): Promise<{ version: number }>;
  get(orderUid: string): Promise<VersionedOrder | null>;
  /** The order's document as the read path serves it, without decoding it into an order; null when absent. */
  getDocument(orderUid: string): Promise<StoredDocument | null>;
  search(query: OrderSearch): Promise<VersionedOrder[]>;
}
