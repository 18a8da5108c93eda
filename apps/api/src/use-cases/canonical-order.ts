import type { Order } from '@order-service/domain';

/**
 * Date-times are stored as instants and served in one canonical form: UTC,
 * with milliseconds only when they are not zero (`2021-11-26T07:22:19Z`).
 */
export function canonicalDateTime(value: string | Date): string {
  const iso = (value instanceof Date ? value : new Date(value)).toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
}

/**
 * The order with its fields in one canonical order (the example order's, with
 * the server's fields around it), whichever order the client sent them in, so
 * every tier serves byte-identical documents.
 */
export function canonicalOrder(o: Order): Order {
  const { delivery: d, payment: p } = o;
  return {
    order_uid: o.order_uid,
    track_number: o.track_number,
    entry: o.entry,
    locale: o.locale,
    customer_id: o.customer_id,
    delivery_service: o.delivery_service,
    shard_key: o.shard_key,
    sm_id: o.sm_id,
    oof_shard: o.oof_shard,
    delivery: { name: d.name, phone: d.phone, zip: d.zip, city: d.city, address: d.address, region: d.region, email: d.email },
    payment: {
      transaction: p.transaction,
      request_id: p.request_id,
      currency: p.currency,
      provider: p.provider,
      amount: p.amount,
      payment_dt: canonicalDateTime(p.payment_dt),
      bank: p.bank,
      delivery_cost: p.delivery_cost,
      goods_total: p.goods_total,
      custom_fee: p.custom_fee,
    },
    items: o.items.map((i) => ({
      chrt_id: i.chrt_id,
      track_number: i.track_number,
      price: i.price,
      rid: i.rid,
      item_name: i.item_name,
      sale: i.sale,
      item_size: i.item_size,
      total_price: i.total_price,
      nm_id: i.nm_id,
      brand: i.brand,
      status: i.status,
    })),
    date_created: canonicalDateTime(o.date_created),
    internal_signature: o.internal_signature,
  };
}
