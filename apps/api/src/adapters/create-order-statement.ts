import { orderDocumentText, type OrderUpserted } from '@order-service/contracts';
import { activeTraceparent } from '@order-service/runtime';
import { outboxSlotOf, upsertPayloadAround } from '../outbox/knex-outbox.js';

/**
 * Creating an order is one statement: take the tombstone of an earlier
 * deletion, insert the order (continuing that deletion's version), its
 * delivery, payment and items, and append the event to the outbox. One
 * statement is one round trip and atomic without BEGIN and COMMIT, which is
 * most of what a create costs the API and PostgreSQL. It does not NOTIFY: the
 * writer wakes its own process's relay once the statement returned (see
 * OutboxAppendSignal), since a NOTIFY holds a lock that every notifying
 * transaction of the cluster queues on until its commit is flushed.
 *
 * The order travels once, as the canonical JSON document, and PostgreSQL
 * takes its rows apart with jsonb_populate_record, so the columns are the
 * tables' own and no field list is written twice. The event's version and
 * time are only known inside the statement, so the payload is spliced there
 * from the text around them; `updated_at` keeps milliseconds, as JSON does,
 * so that the event's `occurred_at` and the row agree to the digit (the
 * format quotes its colons so that no `:name` appears, which pgbench, running
 * this statement as the benchmark's baseline, would take for a variable).
 *
 * When the uid is taken, the insert does nothing and neither does anything
 * that depends on it: the statement returns no row. (A tombstone and a live
 * order never share a uid, so the taken tombstone was none.)
 */
export const CREATE_ORDER_SQL = `with doc as (select ?::jsonb as o),
tombstone as (
  delete from order_tombstones where order_uid = ?::text returning version
),
inserted as (
  insert into orders (order_uid, track_number, entry, locale, internal_signature, customer_id, delivery_service,
                      shard_key, sm_id, date_created, oof_shard, version, updated_at)
  select ?::text, r.track_number, r.entry, r.locale, r.internal_signature, r.customer_id, r.delivery_service,
         r.shard_key, r.sm_id, r.date_created, r.oof_shard,
         coalesce((select version from tombstone), 0) + 1, date_trunc('milliseconds', now())
  from doc, jsonb_populate_record(null::orders, doc.o) r
  on conflict (order_uid) do nothing
  returning order_uid, version, updated_at
),
delivery as (
  insert into deliveries
  select d.* from inserted i, doc, jsonb_populate_record(null::deliveries, doc.o->'delivery' || jsonb_build_object('order_uid', i.order_uid)) d
),
payment as (
  insert into payments
  select p.* from inserted i, doc, jsonb_populate_record(null::payments, doc.o->'payment' || jsonb_build_object('order_uid', i.order_uid)) p
),
item as (
  insert into items
  select it.* from inserted i, doc, jsonb_array_elements(doc.o->'items') with ordinality as e(item, n),
    jsonb_populate_record(null::items, e.item || jsonb_build_object('order_uid', i.order_uid, 'position', e.n - 1)) it
),
event as (
  insert into outbox (slot, order_uid, version, event_type, payload, request_id, traceparent)
  select ?::integer, i.order_uid, i.version, 'order.upserted',
         ?::text || i.version || ',"occurred_at":"' || to_char(i.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24":"MI":"SS.MS"Z"') || ?::text,
         ?::text, ?::text
  from inserted i
)
select i.version, i.updated_at from inserted i`;

/** The values of CREATE_ORDER_SQL's placeholders, in order. */
export interface CreateOrderValues {
  document: string;
  orderUid: string;
  slot: number;
  payloadHead: string;
  payloadTail: string;
  requestId: string | null;
  /** The W3C traceparent of the writing span; null when tracing is off. */
  traceparent: string | null;
}

/**
 * The placeholders' values for creating the order `upsert` carries (canonical,
 * rules checked); its version and time are placeholders the statement fills.
 * Throws EventEncodeError for an event that could not be published.
 */
export function createOrderValues(upsert: OrderUpserted): CreateOrderValues {
  const [payloadHead, payloadTail] = upsertPayloadAround(upsert);
  return {
    document: orderDocumentText(upsert.order),
    orderUid: upsert.order_uid,
    slot: outboxSlotOf(upsert.order_uid),
    payloadHead,
    payloadTail,
    requestId: upsert.request_id,
    traceparent: activeTraceparent(),
  };
}

/** CREATE_ORDER_SQL's bindings in placeholder order (of the values, or of anything standing for them). */
export function createOrderBindings<V extends Readonly<Record<keyof CreateOrderValues, unknown>>>(v: V): Array<V[keyof CreateOrderValues]> {
  return [v.document, v.orderUid, v.orderUid, v.slot, v.payloadHead, v.payloadTail, v.requestId, v.traceparent];
}
