import type { Delivery, Item, Order, Payment, VersionedOrder } from '@order-service/domain';
import { canonicalOrder } from '../use-cases/canonical-order.js';

/** One row of the search/read query: the order's columns with its parts aggregated as JSON. */
export interface OrderRow extends Omit<Order, 'date_created' | 'delivery' | 'payment' | 'items'> {
  date_created: Date;
  version: number;
  updated_at: Date;
  delivery: Delivery & { order_uid?: string };
  payment: Omit<Payment, 'payment_dt'> & { payment_dt: string; order_uid?: string };
  items: Array<Item & { order_uid?: string; position?: number }>;
}

/** The SELECT list that reads whole orders in one statement. */
export const ORDER_COLUMNS = `
  o.order_uid, o.track_number, o.entry, o.locale, o.internal_signature, o.customer_id,
  o.delivery_service, o.shard_key, o.sm_id, o.date_created, o.oof_shard, o.version, o.updated_at,
  (select row_to_json(d) from deliveries d where d.order_uid = o.order_uid) as delivery,
  (select row_to_json(p) from payments p where p.order_uid = o.order_uid) as payment,
  (select coalesce(json_agg(row_to_json(i) order by i.position), '[]'::json) from items i where i.order_uid = o.order_uid) as items`;

/** A timestamptz as canonicalDateTime writes it: UTC, milliseconds only when not zero (colons quoted, see create-order-statement.ts). */
function canonicalTime(column: string): string {
  return `to_char(${column} at time zone 'UTC', case when date_trunc('milliseconds', ${column}) = date_trunc('second', ${column}) then 'YYYY-MM-DD"T"HH24":"MI":"SS"Z"' else 'YYYY-MM-DD"T"HH24":"MI":"SS.MS"Z"' end)`;
}

/**
 * The read of orders' documents as JSON text (add the WHERE), built by PostgreSQL
 * with the keys in canonicalOrder's order, compact like JSON.stringify
 * (row_to_json, never json_build_object or json_agg, which add spaces), so the
 * text is what the other tiers serve and a read sends it on as it comes,
 * without decoding the rows and serialising them again. Numbers are the
 * stored numerics' own text, which is JavaScript's for every number a client
 * can send but those JSON.stringify writes with an exponent (1e21 and up,
 * below 1e-6), where only the spelling differs.
 */
export const ORDER_DOCUMENT_SELECT = `select
  o.order_uid, o.version, o.updated_at,
  row_to_json(doc)::text as document
  from orders o cross join lateral (select
    o.order_uid, o.track_number, o.entry, o.locale, o.customer_id, o.delivery_service, o.shard_key, o.sm_id, o.oof_shard,
    (select row_to_json(x) from deliveries d,
       lateral (select d.name, d.phone, d.zip, d.city, d.address, d.region, d.email) x
      where d.order_uid = o.order_uid) as delivery,
    (select row_to_json(x) from payments p,
       lateral (select p.transaction, p.request_id, p.currency, p.provider, p.amount, ${canonicalTime('p.payment_dt')} as payment_dt,
                       p.bank, p.delivery_cost, p.goods_total, p.custom_fee) x
      where p.order_uid = o.order_uid) as payment,
    (select coalesce('[' || string_agg(row_to_json(x)::text, ',' order by i.position) || ']', '[]')::json from items i,
       lateral (select i.chrt_id, i.track_number, i.price, i.rid, i.item_name, i.sale, i.item_size, i.total_price, i.nm_id, i.brand, i.status) x
      where i.order_uid = o.order_uid) as items,
    ${canonicalTime('o.date_created')} as date_created,
    o.internal_signature) doc`;

/** One row of the document read. */
export interface OrderDocumentRow {
  order_uid: string;
  version: number;
  updated_at: Date;
  document: string;
}

export function orderFromRow(row: OrderRow): VersionedOrder {
  const order = canonicalOrder({
    ...row,
    date_created: row.date_created.toISOString(),
    payment: row.payment,
    delivery: row.delivery,
    items: row.items,
  });
  return { order, version: row.version, updatedAt: row.updated_at };
}

export function orderColumns(order: Order): Record<string, unknown> {
  return {
    order_uid: order.order_uid,
    track_number: order.track_number,
    entry: order.entry,
    locale: order.locale,
    internal_signature: order.internal_signature,
    customer_id: order.customer_id,
    delivery_service: order.delivery_service,
    shard_key: order.shard_key,
    sm_id: order.sm_id,
    date_created: order.date_created,
    oof_shard: order.oof_shard,
  };
}

export function deliveryColumns(order: Order): Record<string, unknown> {
  return { order_uid: order.order_uid, ...order.delivery };
}

export function paymentColumns(order: Order): Record<string, unknown> {
  return { order_uid: order.order_uid, ...order.payment };
}

export function itemRows(order: Order): Array<Record<string, unknown>> {
  return order.items.map((item, position) => ({ order_uid: order.order_uid, position, ...item }));
}
