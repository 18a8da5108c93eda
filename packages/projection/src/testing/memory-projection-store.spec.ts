import type { OrderEvent } from '@order-service/contracts';
import { expect } from 'chai';
import fc from 'fast-check';
import { aDelete, anUpsert, distinctPermutations, withDuplicates } from '../../test/support/order-events.js';
import { MemoryProjectionStore } from './memory-projection-store.js';
import type { CachedOrder } from '../projection-store.js';

const TTL_MS = 60_000;

class ManualClock {
  time = 1_700_000_000_000;
  readonly now = (): number => this.time;
  advance(ms: number): void {
    this.time += ms;
  }
}

function newStore(clock = new ManualClock()): MemoryProjectionStore {
  return new MemoryProjectionStore({ tombstoneTtlMs: TTL_MS, now: clock.now });
}

async function applyOneByOne(store: MemoryProjectionStore, events: readonly OrderEvent[]): Promise<void> {
  for (const event of events) await store.applyBatch([event]);
}

describe('MemoryProjectionStore', () => {
  describe('any delivery order of the same events ends in the same state', () => {
    const upsert1 = anUpsert('o-1', 1);
    const upsert2 = anUpsert('o-1', 2);
    const delete3 = aDelete('o-1', 3);
    const orderings = distinctPermutations(withDuplicates([upsert1, upsert2, delete3]), (event) => event.event_id);

    it('enumerates every distinct ordering of the six deliveries', () => {
      expect(orderings).to.have.length(90);
    });

    it('upsert v1, upsert v2, delete v3, each twice, in one batch: deleted at v3', async () => {
      for (const ordering of orderings) {
        const store = newStore();
        await store.applyBatch(ordering);
        expect(await store.get('o-1'), ordering.map((event) => event.event_id).join(' ')).to.deep.equal({
          state: 'deleted',
          version: 3,
        });
      }
    });

    it('upsert v1, upsert v2, delete v3, each twice, one batch per event: deleted at v3', async () => {
      for (const ordering of orderings) {
        const store = newStore();
        await applyOneByOne(store, ordering);
        expect(await store.get('o-1'), ordering.map((event) => event.event_id).join(' ')).to.deep.equal({
          state: 'deleted',
          version: 3,
        });
      }
    });

    it('upsert v1 and v2, each twice: present at v2 with the v2 document', async () => {
      const expected: CachedOrder = { state: 'present', version: 2, json: JSON.stringify(upsert2.order), modifiedAt: upsert2.occurred_at };
      for (const ordering of distinctPermutations(withDuplicates([upsert1, upsert2]), (event) => event.event_id)) {
        const inOneBatch = newStore();
        await inOneBatch.applyBatch(ordering);
        const oneByOne = newStore();
        await applyOneByOne(oneByOne, ordering);

        expect(await inOneBatch.get('o-1')).to.deep.equal(expected);
        expect(await oneByOne.get('o-1')).to.deep.equal(expected);
      }
    });

    it('holds for any histories, duplicates, orderings and batch splits', async () => {
      // Each order's history: one event per version 1..n, true for a delete.
      const histories = fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.array(fc.boolean(), { minLength: 1, maxLength: 6 }));
      const scenario = histories.chain((byUid) => {
        const events = Object.entries(byUid).flatMap(([uid, kinds]) =>
          kinds.map((isDelete, index) => (isDelete ? aDelete(uid, index + 1) : anUpsert(uid, index + 1))),
        );
        return fc.record({
          byUid: fc.constant(byUid),
          deliveries: fc
            .tuple(fc.constant(events), fc.subarray(events))
            .chain(([all, again]) => fc.shuffledSubarray([...all, ...again], { minLength: all.length + again.length })),
          cuts: fc.array(fc.nat({ max: 20 }), { maxLength: 5 }),
        });
      });

      await fc.assert(
        fc.asyncProperty(scenario, async ({ byUid, deliveries, cuts }) => {
          const store = newStore();
          const bounds = [0, ...[...cuts].sort((a, b) => a - b), deliveries.length];
          for (let i = 0; i + 1 < bounds.length; i += 1) await store.applyBatch(deliveries.slice(bounds[i], bounds[i + 1]));

          for (const [uid, kinds] of Object.entries(byUid)) {
            const version = kinds.length;
            const latest = deliveries.find((event) => event.order_uid === uid && event.version === version);
            const expected: CachedOrder =
              latest?.type === 'order.upserted'
                ? { state: 'present', version, json: JSON.stringify(latest.order), modifiedAt: latest.occurred_at }
                : { state: 'deleted', version };
            expect(await store.get(uid)).to.deep.equal(expected);
          }
        }),
      );
    });
  });

  it('answers one outcome per event, in order', async () => {
    const store = newStore();

    const outcomes = await store.applyBatch([anUpsert('o-1', 1), anUpsert('o-1', 1), anUpsert('o-1', 3), anUpsert('o-1', 2), aDelete('o-2', 1)]);

    expect(outcomes).to.deep.equal(['applied', 'stale', 'applied', 'stale', 'applied']);
  });

  it('knows nothing of an order it never saw', async () => {
    expect(await newStore().get('o-1')).to.equal(null);
  });

  describe('tombstone expiry: the bounded-time tradeoff', () => {
    // A tombstone is kept for tombstoneTtlMs only, so memory does not grow with
    // every order ever deleted. The price: once it expires the store forgets
    // the delete, and an upsert older than it, should one still arrive, brings
    // the order back. The TTL must outlast the longest delay of a late event.

    it('within the TTL an older upsert is stale and a newer one applies', async () => {
      const clock = new ManualClock();
      const store = newStore(clock);
      await store.applyBatch([anUpsert('o-1', 1), aDelete('o-1', 3)]);
      clock.advance(TTL_MS - 1);

      expect(await store.applyBatch([anUpsert('o-1', 2)])).to.deep.equal(['stale']);
      expect(await store.get('o-1')).to.deep.equal({ state: 'deleted', version: 3 });
      expect(await store.applyBatch([anUpsert('o-1', 4)])).to.deep.equal(['applied']);
      expect(await store.get('o-1')).to.include({ state: 'present', version: 4 });
    });

    it('after the TTL the store forgets the order, and lets a newer upsert through', async () => {
      const clock = new ManualClock();
      const store = newStore(clock);
      await store.applyBatch([aDelete('o-1', 3)]);
      clock.advance(TTL_MS);

      expect(await store.get('o-1')).to.equal(null);
      expect(await store.applyBatch([anUpsert('o-1', 4)])).to.deep.equal(['applied']);
      expect(await store.get('o-1')).to.include({ state: 'present', version: 4 });
    });

    it('after the TTL an older upsert comes through too', async () => {
      const clock = new ManualClock();
      const store = newStore(clock);
      await store.applyBatch([anUpsert('o-1', 1), aDelete('o-1', 3)]);
      clock.advance(TTL_MS);

      expect(await store.applyBatch([anUpsert('o-1', 2)])).to.deep.equal(['applied']);
      expect(await store.get('o-1')).to.include({ state: 'present', version: 2 });
    });

    it('a newer upsert ends the tombstone: it does not expire later', async () => {
      const clock = new ManualClock();
      const store = newStore(clock);
      await store.applyBatch([aDelete('o-1', 3), anUpsert('o-1', 4)]);
      clock.advance(TTL_MS * 2);

      expect(await store.get('o-1')).to.include({ state: 'present', version: 4 });
    });

    it('a newer delete restarts the TTL', async () => {
      const clock = new ManualClock();
      const store = newStore(clock);
      await store.applyBatch([aDelete('o-1', 3), aDelete('o-2', 1)]);
      clock.advance(TTL_MS / 2);
      await store.applyBatch([aDelete('o-1', 4)]);
      clock.advance(TTL_MS / 2);

      expect(await store.get('o-2')).to.equal(null);
      expect(await store.get('o-1')).to.deep.equal({ state: 'deleted', version: 4 });
      clock.advance(TTL_MS / 2);
      expect(await store.get('o-1')).to.equal(null);
    });
  });

  it('refuses a TTL that is not positive', () => {
    expect(() => new MemoryProjectionStore({ tombstoneTtlMs: 0 })).to.throw(RangeError);
  });
});
