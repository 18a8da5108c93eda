import type { Delivery, Item, Order, OrderDraft, Payment } from '../order.js';

const EXAMPLE_ITEM: Item = {
  chrt_id: 'ch-1',
  track_number: 'WBILMTEST-POST-001',
  price: 200,
  rid: 'rid-1',
  item_name: 'item-1',
  sale: 0,
  item_size: 10,
  total_price: 200,
  nm_id: 'nm-1',
  brand: 'brand-A',
  status: 1,
};

/** The repository's example order (shared/fixtures/order.example.json) with the server fields filled in. */
const EXAMPLE_ORDER: Order = {
  order_uid: '0193a5b4-7c1e-7a2b-9c3d-4e5f60718293',
  track_number: 'WBILMTEST-POST-001',
  entry: 'WBIL',
  locale: 'en',
  internal_signature: '',
  customer_id: 'cust-001',
  delivery_service: 'DHL',
  shard_key: '9',
  sm_id: 777,
  date_created: '2021-11-26T06:22:19Z',
  oof_shard: 1,
  delivery: {
    name: 'John Doe',
    phone: '+1-555-0100',
    zip: '94105',
    city: 'San Francisco',
    address: '135 5th St',
    region: 'CA',
    email: 'john.doe@example.com',
  },
  payment: {
    transaction: 'tx-POST-001',
    request_id: 'req-POST-001',
    currency: 'USD',
    provider: 'visa',
    amount: 350,
    payment_dt: '2021-11-26T07:22:19Z',
    bank: 'BigBank',
    delivery_cost: 50,
    goods_total: 300,
    custom_fee: 0,
  },
  items: [EXAMPLE_ITEM],
};

/**
 * Test-data builder starting from the example order. Every step returns a new
 * builder, so a shared base can be refined without leaking changes. Unless a
 * step names them explicitly, the derived fields follow the rules: items take
 * the order's track_number and payment.amount is goods_total + delivery_cost +
 * custom_fee, so a test breaks exactly the rule it means to break.
 */
export class OrderMother<T extends OrderDraft> {
  private constructor(private readonly order: T) {}

  /** A builder of the example order. */
  static example(): OrderMother<Order> {
    return new OrderMother(structuredClone(EXAMPLE_ORDER));
  }

  /** Replaces top-level fields; items follow a new track_number unless `patch.items` is given. */
  with(patch: Partial<T>): OrderMother<T> {
    const order: T = { ...structuredClone(this.order), ...structuredClone(patch) };
    if (patch.track_number !== undefined && patch.items === undefined) {
      order.items = order.items.map((item) => ({ ...item, track_number: order.track_number }));
    }
    return new OrderMother(order);
  }

  /** Replaces delivery fields. */
  withDelivery(patch: Partial<Delivery>): OrderMother<T> {
    const order = structuredClone(this.order);
    order.delivery = { ...order.delivery, ...patch };
    return new OrderMother(order);
  }

  /** Replaces payment fields; amount follows the other terms unless `patch.amount` is given. */
  withPayment(patch: Partial<Payment>): OrderMother<T> {
    const order = structuredClone(this.order);
    const payment = { ...order.payment, ...patch };
    if (patch.amount === undefined) {
      payment.amount = payment.goods_total + payment.delivery_cost + payment.custom_fee;
    }
    order.payment = payment;
    return new OrderMother(order);
  }

  /** Exactly `count` items shaped like the first one, with distinct ids. */
  withItems(count: number): OrderMother<T> {
    const order = structuredClone(this.order);
    const template = order.items[0] ?? EXAMPLE_ITEM;
    order.items = Array.from({ length: count }, (_, i) => ({
      ...template,
      chrt_id: `ch-${i + 1}`,
      rid: `rid-${i + 1}`,
      nm_id: `nm-${i + 1}`,
      item_name: `item-${i + 1}`,
      track_number: order.track_number,
    }));
    return new OrderMother(order);
  }

  /** Replaces fields of the item at `index`, which must exist. */
  withItem(index: number, patch: Partial<Item>): OrderMother<T> {
    const order = structuredClone(this.order);
    const item = order.items[index];
    if (item === undefined) throw new RangeError(`the order has no item ${index}`);
    order.items[index] = { ...item, ...patch };
    return new OrderMother(order);
  }

  /** Drops order_uid, date_created and internal_signature, as a client writing a new order would. */
  withoutServerFields(): OrderMother<OrderDraft> {
    const { order_uid: _uid, date_created: _created, internal_signature: _signature, ...draft } = structuredClone(this.order);
    return new OrderMother<OrderDraft>(draft);
  }

  /** The stored order; only available while the server fields are present. */
  build(this: OrderMother<Order>): Order {
    return structuredClone(this.order);
  }

  /** The order as a client writes it, with whatever server fields the builder still has. */
  buildDraft(): OrderDraft {
    return structuredClone(this.order);
  }
}

/** A builder of the example order: `anOrder().withItems(3).build()`. */
export function anOrder(): OrderMother<Order> {
  return OrderMother.example();
}
