import type { Knex } from 'knex';
import { serializeOrderEvent, serializeOrderUpsert, type OrderEvent, type OrderUpserted } from '@order-service/contracts';
import { OUTBOX_SLOTS } from '@order-service/postgres';
import { activeTraceparent } from '@order-service/runtime';

/**
 * The PostgreSQL channel the relays LISTEN on: a writer outside an API process
 * (an operator's SQL, a tool) that appends outbox rows may NOTIFY it to have
 * them published at once rather than at the next poll.
 */
export const OUTBOX_CHANNEL = 'orders_outbox';

const FNV_OFFSET_BASIS = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

/**
 * The slot of an order: 32-bit FNV-1a of the UTF-8 `order_uid`, modulo the slot
 * count. Every event of one order must land in one slot, for as long as any of
 * them waits in the outbox, or two relays could publish them out of order. So
 * the hash is computed here, fixed forever, rather than by a PostgreSQL internal
 * such as `hashtext`, whose results are not promised across major versions.
 */
export function outboxSlotOf(orderUid: string): number {
  let hash = FNV_OFFSET_BASIS;
  for (const byte of Buffer.from(orderUid, 'utf8')) {
    hash = Math.imul(hash ^ byte, FNV_PRIME) >>> 0;
  }
  return hash % OUTBOX_SLOTS;
}

/**
 * Records `event` in the outbox inside the caller's transaction, so the event
 * exists exactly when the write it describes commits. Throws EventEncodeError,
 * failing the write, rather than store an event consumers could not read. The
 * row keeps the traceparent of the span that wrote it (the request's), which
 * the relay carries on to the record. It does not NOTIFY (see
 * OutboxAppendSignal): the writer wakes its own relay once the transaction
 * committed.
 */
export async function appendToOutbox(trx: Knex.Transaction, event: OrderEvent): Promise<void> {
  const payload = event.type === 'order.upserted' ? serializeOrderUpsert(event) : serializeOrderEvent(event);
  await trx.raw(
    `insert into outbox (slot, order_uid, version, event_type, payload, request_id, traceparent)
     values (?, ?, ?, ?, ?, ?, ?)`,
    [outboxSlotOf(event.order_uid), event.order_uid, event.version, event.type, payload, event.request_id, activeTraceparent()],
  );
}

/**
 * An upsert's outbox payload, split where its `version` and `occurred_at` go,
 * for a statement that learns them only as it writes (see
 * create-order-statement.ts): the payload is head + version +
 * `,"occurred_at":"` + the ISO time + tail. The event is validated as
 * written, with version 1 and the epoch in those places.
 */
export function upsertPayloadAround(event: OrderUpserted): [head: string, tail: string] {
  const text = serializeOrderUpsert({ ...event, version: 1, occurred_at: EPOCH });
  // The envelope's fields precede the order, whose schema has no such keys, so the first match is the envelope's.
  const at = text.indexOf(SPLICE_MARKER);
  if (at < 0) throw new Error('the serialised event does not hold its version and occurred_at side by side');
  return [`${text.slice(0, at)}"version":`, `"${text.slice(at + SPLICE_MARKER.length)}`];
}

const EPOCH = new Date(0).toISOString();
const SPLICE_MARKER = `"version":1,"occurred_at":"${EPOCH}"`;
