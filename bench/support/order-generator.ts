import type { Order } from '../../packages/domain/src/index.js';
import { generateOrder, mulberry32, orderSeed, type Random } from '../../scripts/lib/seed-orders.js';

/** The run seed of every generated order: the suite writes the same orders on every machine and every run. */
const BENCH_SEED = 20_251_125;
/** Dates fall in the year before this instant, so they do not move with the day the suite runs. */
const ANCHOR = new Date('2026-01-01T00:00:00Z');
const CUSTOMERS = 1_000;

/** A deterministic PRNG (the seeder's mulberry32). */
export function seededRandom(seed: number): Random {
  return mulberry32(seed);
}

/** Digits of the seeded orders' uids: `bench-0000042`. */
export const UID_DIGITS = 7;

/** The uid of the `index`-th seeded order (1-based), which pgbench rebuilds with lpad. */
export function seededUid(prefix: string, index: number): string {
  return `${prefix}-${String(index).padStart(UID_DIGITS, '0')}`;
}

/**
 * Order number `index` as the seeder generates it (scripts/lib/seed-orders.ts:
 * 1 to 5 items, amounts that add up, realistic customers), stored under `uid`
 * with the server's fields filled in. The same index always gives the same order.
 */
export function benchOrder(index: number, uid: string): Order {
  const draft = generateOrder(mulberry32(orderSeed(BENCH_SEED, index)), index, { customers: CUSTOMERS, anchor: ANCHOR });
  return { ...draft, order_uid: uid, date_created: draft.date_created ?? ANCHOR.toISOString(), internal_signature: draft.internal_signature ?? '' };
}
