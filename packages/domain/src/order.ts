/**
 * The order exactly as clients and events carry it: the classic WB L0 document
 * (see the example order in the repository's fixtures). Field names are the
 * wire names on purpose: the document is stored, published and served as is.
 */
export interface Delivery {
  name: string;
  phone: string;
  zip: string;
  city: string;
  address: string;
  region: string;
  email: string;
}

export interface Payment {
  transaction: string;
  request_id: string;
  currency: string;
  provider: string;
  amount: number;
  /** ISO 8601 date-time. */
  payment_dt: string;
  bank: string;
  delivery_cost: number;
  goods_total: number;
  custom_fee: number;
}

export interface Item {
  chrt_id: string;
  track_number: string;
  price: number;
  rid: string;
  item_name: string;
  sale: number;
  item_size: number;
  total_price: number;
  nm_id: string;
  brand: string;
  status: number;
}

export interface Order {
  order_uid: string;
  track_number: string;
  entry: string;
  locale: string;
  internal_signature: string;
  customer_id: string;
  delivery_service: string;
  shard_key: string;
  sm_id: number;
  /** ISO 8601 date-time, assigned by the server when the client omits it. */
  date_created: string;
  oof_shard: number;
  delivery: Delivery;
  payment: Payment;
  items: Item[];
}

/** Fields a client may omit when it writes an order; the server fills them. */
export type ServerAssignedField = 'order_uid' | 'date_created' | 'internal_signature';

/** An order as a client writes it. */
export type OrderDraft = Omit<Order, ServerAssignedField> & Partial<Pick<Order, ServerAssignedField>>;

/** An order as stored: the document with the version every write increments (the first is 1). */
export interface VersionedOrder {
  order: Order;
  version: number;
  updatedAt: Date;
}
