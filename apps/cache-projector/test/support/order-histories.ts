import { isDeepStrictEqual } from 'node:util';
import { decodeOrderEvent, encodeOrderEvent, type OrderEvent } from '@order-service/contracts';
import { toCachedOrder, toProjectionWrite, type CachedOrder, type ProjectionStore } from '@order-service/projection';
import { aDelete, anUpsert } from '../../../../packages/projection/test/support/order-events.js';

/** A seeded generator, so a failing run can be repeated with the seed it printed. */
export function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Every event of one order, versions 1..n in order; the last may be a delete. */
export type OrderHistory = readonly OrderEvent[];

/**
 * `count` orders with 1 to `maxVersions` versions each; about `deleteShare` of
 * them end with a delete. Each version's document differs, so a stale write
 * that slipped through shows.
 */
export function orderHistories(
  count: number,
  { prefix, random, maxVersions = 4, deleteShare = 0.1 }: { prefix: string; random: () => number; maxVersions?: number; deleteShare?: number },
): OrderHistory[] {
  return Array.from({ length: count }, (_, index) => {
    const uid = `${prefix}-${index}`;
    const versions = 1 + Math.floor(random() * maxVersions);
    const deleted = versions > 1 && random() < deleteShare;
    return Array.from({ length: versions }, (_, i) => (deleted && i === versions - 1 ? aDelete(uid, i + 1) : anUpsert(uid, i + 1)));
  });
}

/** The events as written over time: round r holds version r of every order that has one, so each order's versions keep their order. */
export function inRounds(histories: readonly OrderHistory[]): OrderEvent[][] {
  const rounds: OrderEvent[][] = [];
  for (const history of histories) {
    history.forEach((event, index) => (rounds[index] ??= []).push(event));
  }
  return rounds;
}

/** What the cache must hold for each order once every event is applied. */
export function expectedEntries(histories: readonly OrderHistory[]): Map<string, CachedOrder> {
  const expected = new Map<string, CachedOrder>();
  for (const history of histories) {
    const last = history.at(-1);
    if (last === undefined) continue;
    // Through the wire and back, as the projector sees it.
    const event = decodeOrderEvent(encodeOrderEvent(last));
    expected.set(event.order_uid, toCachedOrder(toProjectionWrite(event)));
  }
  return expected;
}

/** Orders whose cache entry differs from the expected one, with a few examples to show. */
export async function findMismatches(
  store: Pick<ProjectionStore, 'get'>,
  expected: ReadonlyMap<string, CachedOrder>,
): Promise<{ count: number; examples: string[] }> {
  const uids = [...expected.keys()];
  const actual = await Promise.all(uids.map((uid) => store.get(uid)));
  const examples: string[] = [];
  let count = 0;
  uids.forEach((uid, index) => {
    const want = expected.get(uid);
    const got = actual[index];
    if (!isDeepStrictEqual(got, want)) {
      count += 1;
      if (examples.length < 5) examples.push(`${uid}: want ${describeEntry(want)}, got ${describeEntry(got)}`);
    }
  });
  return { count, examples };
}

function describeEntry(entry: CachedOrder | null | undefined): string {
  if (!entry) return String(entry);
  return `${entry.state}@v${entry.version}`;
}
