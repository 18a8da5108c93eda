import { expect } from 'chai';
import fc from 'fast-check';
import type { Item, Order } from '@order-service/domain';
import { call, createTestTopic, deleteTestTopic, startApi, type RunningApi } from '../support/api-harness.js';

const text = (max = 24) => fc.string({ unit: 'grapheme', minLength: 1, maxLength: max }).filter((s) => !s.includes('\u0000'));
const money = fc.integer({ min: 0, max: 10_000_000 }); // in cents
const instant = fc.date({ min: new Date('1971-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => {
  const iso = d.toISOString();
  return iso.endsWith('.000Z') ? `${iso.slice(0, -5)}Z` : iso;
});

/** Valid orders of every shape: field contents vary freely, the rules of an order hold. */
const validOrder = fc
  .record({
    order_uid: fc.uuid({ version: 7 }),
    track_number: text(),
    entry: text(8),
    locale: fc.constantFrom('en', 'ru', 'de', 'zh-Hans'),
    customer_id: text(),
    delivery_service: text(12),
    shard_key: text(4),
    sm_id: fc.integer({ min: 0, max: 1_000_000 }),
    oof_shard: fc.integer({ min: 0, max: 1_000 }),
    date_created: instant,
    internal_signature: fc.oneof(fc.constant(''), text()),
    delivery: fc.record({ name: text(), phone: text(16), zip: text(8), city: text(), address: text(), region: text(), email: fc.emailAddress() }),
    payment: fc.record({
      transaction: text(),
      request_id: fc.oneof(fc.constant(''), text()),
      currency: fc.constantFrom('USD', 'EUR', 'RUB', 'KZT'),
      provider: text(12),
      payment_dt: instant,
      bank: text(),
      delivery_cost: money,
      goods_total: money,
      custom_fee: money,
    }),
    items: fc.array(
      fc.record({
        chrt_id: text(),
        price: money,
        rid: text(),
        item_name: text(),
        sale: fc.integer({ min: 0, max: 100 }),
        item_size: fc.integer({ min: 0, max: 100 }),
        total_price: money,
        nm_id: text(),
        brand: text(),
        status: fc.integer({ min: 0, max: 999 }),
      }),
      { minLength: 1, maxLength: 5 },
    ),
  })
  .map((o): Order => {
    const p = o.payment;
    return {
      ...o,
      payment: {
        ...p,
        amount: (p.delivery_cost + p.goods_total + p.custom_fee) / 100,
        delivery_cost: p.delivery_cost / 100,
        goods_total: p.goods_total / 100,
        custom_fee: p.custom_fee / 100,
      },
      items: o.items.map((i): Item => ({ ...i, track_number: o.track_number, price: i.price / 100, total_price: i.total_price / 100 })),
    };
  });

type Mutation = (order: Record<string, unknown>) => void;

/** Ways to break an order; each must be refused with a 4xx and leave nothing stored. */
const breakOrder: fc.Arbitrary<[string, Mutation]> = fc.oneof(
  fc.constantFrom<[string, Mutation]>(
    ['drops a required field', (o) => delete o.track_number],
    ['drops the delivery', (o) => delete o.delivery],
    ['has no items', (o) => (o.items = [])],
    ['adds an unknown field', (o) => (o.colour = 'red')],
    ['sends a number as a string', (o) => (o.sm_id = '777')],
    ['has a negative fee', (o) => ((o.payment as Record<string, number>).custom_fee = -1)],
    ['has an amount that does not add up', (o) => ((o.payment as { amount: number }).amount += 1)],
    ['has a NUL in a string', (o) => (o.entry = 'a\u0000b')],
    ['has an item with another track number', (o) => ((o.items as Array<Record<string, unknown>>)[0]!.track_number = 'OTHER')],
    ['has a date without a zone', (o) => (o.date_created = '2021-11-26T06:22:19')],
    ['has an infinite-looking price', (o) => ((o.items as Array<Record<string, unknown>>)[0]!.price = 1e300)],
    ['is not an object', (o) => Object.assign(o, { delivery: [] })],
  ),
);

describe('property: orders round-trip through the API unchanged (real PostgreSQL and Kafka)', () => {
  let api: RunningApi;
  let topic: string;

  before(async () => {
    topic = await createTestTopic();
    api = await startApi({ KAFKA_TOPIC: topic });
  });
  after(async () => {
    await api?.stop();
    await deleteTestTopic(topic);
  });

  it('POST then GET returns the posted document for random valid orders', async () => {
    await fc.assert(
      fc.asyncProperty(validOrder, async (order) => {
        const created = await call(api.url, 'POST', '/orders', { json: order });
        expect(created.status, JSON.stringify(created.body)).to.equal(201);
        expect(created.body).to.deep.equal(order);
        const fetched = await call(api.url, 'GET', `/orders/${order.order_uid}`);
        expect(fetched.status).to.equal(200);
        expect(fetched.body).to.deep.equal(order);
      }),
      { numRuns: 40 },
    );
  });

  it('refuses random invalid orders with a 4xx problem and stores nothing', async () => {
    await fc.assert(
      fc.asyncProperty(validOrder, breakOrder, async (order, [, mutate]) => {
        const broken = structuredClone(order) as unknown as Record<string, unknown>;
        mutate(broken);
        const res = await call(api.url, 'POST', '/orders', { json: broken });
        expect(res.status).to.be.within(400, 499);
        expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
        expect(res.body.errors ?? []).to.be.an('array');
        expect((await call(api.url, 'GET', `/orders/${order.order_uid}`)).status).to.equal(404);
      }),
      { numRuns: 40 },
    );
  });
});
