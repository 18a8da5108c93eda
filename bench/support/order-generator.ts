import type { Order } from '../../packages/domain/src/index.js';

/** A small deterministic PRNG (mulberry32): the same seed gives the same orders on every machine. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Digits of the seeded orders' uids: `bench-0000042`. */
export const UID_DIGITS = 7;

/** The uid of the `index`-th seeded order (1-based), which pgbench rebuilds with lpad. */
export function seededUid(prefix: string, index: number): string {
  return `${prefix}-${String(index).padStart(UID_DIGITS, '0')}`;
}

const CITIES = ['Berlin', 'Lisbon', 'Oslo', 'Kraków', 'Tallinn', 'Valencia', 'Lyon', 'Turin'];
const BRANDS = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Stark', 'Wayne', 'Hooli'];
const SERVICES = ['meest', 'dhl', 'ups', 'cdek', 'dpd'];
const PROVIDERS = ['wbpay', 'visa', 'mastercard'];

function pick<T>(rng: () => number, values: readonly T[]): T {
  return values[Math.floor(rng() * values.length)] as T;
}

function money(rng: () => number, max: number): number {
  return Math.round(rng() * max * 100) / 100;
}

/**
 * A realistic order (1 to 5 items, amounts that add up) named `uid`; the same
 * rng state and index always give the same order. The serialised document is
 * 1 to 2.5 kB, like the example order with a few items.
 */
export function generateOrder(rng: () => number, index: number, uid: string): Order {
  const track = `WBBENCH${String(index).padStart(9, '0')}`;
  const itemCount = 1 + Math.floor(rng() * 5);
  const items = Array.from({ length: itemCount }, (_, i) => {
    const price = money(rng, 5000);
    const sale = Math.floor(rng() * 50);
    return {
      chrt_id: String(1_000_000 + Math.floor(rng() * 8_000_000)),
      track_number: track,
      price,
      rid: `rid-${index}-${i}`,
      item_name: `${pick(rng, BRANDS)} item ${Math.floor(rng() * 1000)}`,
      sale,
      item_size: Math.floor(rng() * 60),
      total_price: Math.round(price * (100 - sale)) / 100,
      nm_id: String(2_000_000 + Math.floor(rng() * 8_000_000)),
      brand: pick(rng, BRANDS),
      status: 202,
    };
  });
  const goodsTotal = Math.round(items.reduce((sum, item) => sum + item.total_price * 100, 0)) / 100;
  const deliveryCost = money(rng, 2000);
  const customFee = rng() < 0.2 ? money(rng, 100) : 0;
  const created = new Date(Date.UTC(2025, 0, 1) + Math.floor(rng() * 300 * 86_400_000));
  const city = pick(rng, CITIES);
  return {
    order_uid: uid,
    track_number: track,
    entry: 'WBIL',
    locale: rng() < 0.5 ? 'en' : 'ru',
    internal_signature: '',
    customer_id: `customer-${Math.floor(rng() * 10_000)}`,
    delivery_service: pick(rng, SERVICES),
    shard_key: String(Math.floor(rng() * 10)),
    sm_id: Math.floor(rng() * 100),
    date_created: created.toISOString().replace('.000Z', 'Z'),
    oof_shard: Math.floor(rng() * 4),
    delivery: {
      name: `Customer ${index}`,
      phone: `+4930${String(index).padStart(7, '0')}`,
      zip: String(10_000 + Math.floor(rng() * 89_999)),
      city,
      address: `${city} Street ${1 + Math.floor(rng() * 200)}`,
      region: `${city} region`,
      email: `customer${index}@example.com`,
    },
    payment: {
      transaction: uid,
      request_id: '',
      currency: 'EUR',
      provider: pick(rng, PROVIDERS),
      amount: Math.round((goodsTotal + deliveryCost + customFee) * 100) / 100,
      payment_dt: new Date(created.getTime() + 60_000).toISOString().replace('.000Z', 'Z'),
      bank: 'alpha',
      delivery_cost: deliveryCost,
      goods_total: goodsTotal,
      custom_fee: customFee,
    },
    items,
  };
}
