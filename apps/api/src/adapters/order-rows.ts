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
