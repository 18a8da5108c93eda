import type { OrderEvent } from '@order-service/contracts';
import { expect } from 'chai';
import { createClient, ErrorReply } from 'redis';
import { testEnvironment, uniqueName } from '../../../../test/support/environment.js';
import { GenerationConflict, ProjectionStoreUnavailable, RedisProjectionStore, type ApplyOutcome, type RedisCommandClient } from '../../src/index.js';
import { MemoryProjectionStore } from '../../src/testing/index.js';
import { aDelete, anUpsert, distinctPermutations } from '../support/order-events.js';

const TTL_SECONDS = 3600;

/** A seeded generator, so a failing run can be repeated. */
function seededRandom(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('RedisProjectionStore (real Redis)', () => {
  const client = createClient({ url: testEnvironment.redisUrl });
  const memory = (): MemoryProjectionStore => new MemoryProjectionStore({ tombstoneTtlMs: TTL_SECONDS * 1000 });
  // Each test writes under its own prefix, so runs sharing the test database do not meet.
  let prefix: string;
  let store: RedisProjectionStore;

  async function countKeys(pattern: string): Promise<number> {
    let count = 0;
    for await (const keys of client.scanIterator({ MATCH: pattern, COUNT: 1000 })) count += keys.length;
    return count;
  }

  before(async () => {
    await client.connect();
  });

  beforeEach(() => {
    prefix = uniqueName('it-projection');
    store = new RedisProjectionStore(client, { keyPrefix: prefix, tombstoneTtlSeconds: TTL_SECONDS });
  });

  afterEach(async () => {
    for await (const keys of client.scanIterator({ MATCH: `${prefix}:*`, COUNT: 1000 })) {
      if (keys.length > 0) await client.unlink(keys);
    }
  });

  after(async () => {
    await client.close();
  });

  describe('any delivery order of the same events ends in the state the memory store reaches', () => {
    const history = (orderUid: string): OrderEvent[] => [anUpsert(orderUid, 1), anUpsert(orderUid, 2), aDelete(orderUid, 3)];
    // Every distinct ordering of the three events delivered twice each, as indexes
    // into the history; one order per ordering, so all of them run side by side.
    const deliveries = distinctPermutations([0, 0, 1, 1, 2, 2], String).map((ordering, index) => {
      const events = history(`perm-${index}`);
      return ordering.map((position) => events[position]!);
    });

    it('covers all 90 orderings', () => {
      expect(deliveries).to.have.length(90);
    });

    it('with all deliveries of an order in one batch', async () => {
      const reference = memory();
      const events = deliveries.flat();

      const outcomes = await store.applyBatch(events);

      expect(outcomes).to.deep.equal(await reference.applyBatch(events));
      for (const [index] of deliveries.entries()) {
        const uid = `perm-${index}`;
        expect(await store.get(uid), uid).to.deep.equal({ state: 'deleted', version: 3 });
        expect(await store.get(uid), uid).to.deep.equal(await reference.get(uid));
      }
    });

    it('with one batch per delivery', async () => {
      const reference = memory();

      for (const ordering of deliveries) {
        for (const event of ordering) {
          expect(await store.applyBatch([event])).to.deep.equal(await reference.applyBatch([event]));
        }
      }

      for (const [index] of deliveries.entries()) {
        const uid = `perm-${index}`;
        expect(await store.get(uid), uid).to.deep.equal({ state: 'deleted', version: 3 });
        expect(await store.get(uid), uid).to.deep.equal(await reference.get(uid));
      }
    });

    it('upserts v1 and v2 in any order: present at v2, served as the exact JSON', async () => {
      for (const [index, versions] of distinctPermutations([1, 1, 2, 2], String).entries()) {
        const uid = `upserts-${index}`;
        await store.applyBatch(versions.map((version) => anUpsert(uid, version)));

        const latest = anUpsert(uid, 2);
        expect(await store.get(uid)).to.deep.equal({ state: 'present', version: 2, json: JSON.stringify(latest.order), modifiedAt: latest.occurred_at });
      }
    });
  });

  it('applies 2,000 deliveries with duplicates, in several script calls per batch, as the memory store does', async () => {
    const random = seededRandom(20_250_101);
    const events: OrderEvent[] = [];
    for (let order = 0; order < 300; order += 1) {
      const versions = 1 + Math.floor(random() * 6);
      for (let version = 1; version <= versions; version += 1) {
        events.push(random() < 0.2 ? aDelete(`bulk-${order}`, version) : anUpsert(`bulk-${order}`, version));
      }
    }
    const deliveries = [...events];
    while (deliveries.length < 2000) deliveries.push(events[Math.floor(random() * events.length)]!);
    for (let i = deliveries.length - 1; i > 0; i -= 1) {
      const j = Math.floor(random() * (i + 1));
      [deliveries[i], deliveries[j]] = [deliveries[j]!, deliveries[i]!];
    }
    const chunked = new RedisProjectionStore(client, { keyPrefix: prefix, tombstoneTtlSeconds: TTL_SECONDS, maxEventsPerScript: 128 });
    const reference = memory();

    const outcomes: ApplyOutcome[] = [];
    const expected: ApplyOutcome[] = [];
    for (let start = 0; start < deliveries.length; start += 450) {
      const batch = deliveries.slice(start, start + 450);
      outcomes.push(...(await chunked.applyBatch(batch)));
      expected.push(...(await reference.applyBatch(batch)));
    }

    expect(deliveries).to.have.length(2000);
    expect(outcomes).to.deep.equal(expected);
    for (let order = 0; order < 300; order += 1) {
      const uid = `bulk-${order}`;
      const latest = events.filter((event) => event.order_uid === uid).at(-1)!;
      const held = await chunked.get(uid);
      expect(held, uid).to.deep.equal(await reference.get(uid));
      expect(held, uid).to.include({ state: latest.type === 'order.upserted' ? 'present' : 'deleted', version: latest.version });
    }
  });

  it('knows nothing of an order it never saw', async () => {
    expect(await store.get('nobody')).to.equal(null);
  });

  describe('layout', () => {
    it('keeps an order as a hash of version and JSON, without a TTL', async () => {
      const event = anUpsert('o-1', 1);
      await store.applyBatch([event]);

      expect(await client.hGetAll(`${prefix}:g0:order:{o-1}`)).to.deep.equal({ v: '1', d: JSON.stringify(event.order), m: event.occurred_at });
      expect(await client.ttl(`${prefix}:g0:order:{o-1}`)).to.equal(-1);
    });

    it('keeps a tombstone as a version with a TTL, and a newer upsert removes the TTL', async () => {
      await store.applyBatch([anUpsert('o-1', 1), aDelete('o-1', 2)]);

      expect(await client.hGetAll(`${prefix}:g0:order:{o-1}`)).to.deep.equal({ v: '2' });
      const ttl = await client.ttl(`${prefix}:g0:order:{o-1}`);
      expect(ttl).to.be.greaterThan(0).and.at.most(TTL_SECONDS);

      await store.applyBatch([anUpsert('o-1', 3)]);
      expect(await client.ttl(`${prefix}:g0:order:{o-1}`)).to.equal(-1);
    });

    it('writes under the key prefix it is given', async () => {
      const other = new RedisProjectionStore(client, { keyPrefix: `${prefix}:other`, tombstoneTtlSeconds: TTL_SECONDS });
      await other.applyBatch([anUpsert('o-1', 1)]);

      expect(await client.exists(`${prefix}:other:g0:order:{o-1}`)).to.equal(1);
      expect(await store.get('o-1')).to.equal(null);
      expect(await other.get('o-1')).to.include({ version: 1 });
    });
  });

  describe('generations', () => {
    it('rebuilds beside the live generation and switches reads over in one step', async () => {
      await store.applyBatch([anUpsert('o-1', 1), anUpsert('o-stale', 1)]);

      const generation = await store.beginGeneration();
      expect(generation).to.equal(1);
      expect(await store.buildingGeneration()).to.equal(1);

      await store.applyBatchToGeneration(generation, [anUpsert('o-1', 1), anUpsert('o-2', 1)]);
      expect(await store.get('o-2'), 'live reads do not see the rebuild').to.equal(null);
      expect(await store.get('o-1')).to.include({ version: 1 });

      // The live projector keeps going during the rebuild; its writes land in both generations.
      expect(await store.applyBatch([anUpsert('o-1', 2), anUpsert('o-3', 1)])).to.deep.equal(['applied', 'applied']);
      expect(await client.hGet(`${prefix}:g1:order:{o-1}`, 'v')).to.equal('2');
      expect(await client.hGet(`${prefix}:g1:order:{o-3}`, 'v')).to.equal('1');
      expect(await store.get('o-3')).to.include({ version: 1 });

      // The rebuild reaches the events the live projector already applied.
      expect(await store.applyBatchToGeneration(generation, [anUpsert('o-1', 2), anUpsert('o-3', 1)])).to.deep.equal(['stale', 'stale']);

      expect(await store.switchGeneration(generation)).to.equal(0);
      expect(await store.liveGeneration()).to.equal(1);
      expect(await store.buildingGeneration()).to.equal(null);
      expect(await store.get('o-2')).to.include({ state: 'present', version: 1 });
      expect(await store.get('o-1')).to.include({ state: 'present', version: 2 });
      expect(await store.get('o-stale'), 'only what the rebuild read survives the switch').to.equal(null);

      expect(await countKeys(`${prefix}:g0:*`)).to.equal(3);
      expect(await store.dropGeneration(0)).to.equal(3);
      expect(await countKeys(`${prefix}:g0:*`)).to.equal(0);
      expect(await countKeys(`${prefix}:g1:*`)).to.equal(3);

      await store.applyBatch([anUpsert('o-4', 1)]);
      expect(await countKeys(`${prefix}:g0:*`), 'after the switch live writes go to the new generation only').to.equal(0);
    });

    it('drops a generation of more keys than a SCAN page', async () => {
      const generation = await store.beginGeneration();
      await store.applyBatchToGeneration(
        generation,
        Array.from({ length: 2500 }, (_, i) => aDelete(`o-${i}`, 1)),
      );
      await store.abortGeneration(generation);

      expect(await countKeys(`${prefix}:g1:*`)).to.equal(0);
    });

    it('refuses to drop the live or the building generation', async () => {
      await store.applyBatch([anUpsert('o-1', 1)]);
      const generation = await store.beginGeneration();

      await expect(store.dropGeneration(0)).to.be.rejectedWith(GenerationConflict);
      await expect(store.dropGeneration(generation)).to.be.rejectedWith(GenerationConflict);
      expect(await store.get('o-1')).to.include({ version: 1 });
    });

    it('refuses rebuild writes and a switch to a generation that is not being built', async () => {
      const generation = await store.beginGeneration();
      await store.switchGeneration(generation);

      await expect(store.applyBatchToGeneration(generation, [anUpsert('o-1', 1)]))
        .to.be.rejectedWith(GenerationConflict, `generation ${generation} is not being built`)
        .and.eventually.include({ code: 'PROJECTION.GENERATION_CONFLICT', retriable: false });
      await expect(store.switchGeneration(generation)).to.be.rejectedWith(GenerationConflict);
    });

    it('aborts a rebuild: pointer cleared, keys dropped, live reads untouched', async () => {
      await store.applyBatch([anUpsert('o-1', 1)]);
      const generation = await store.beginGeneration();
      await store.applyBatchToGeneration(generation, [anUpsert('o-2', 1)]);

      await store.abortGeneration(generation);

      expect(await store.buildingGeneration()).to.equal(null);
      expect(await countKeys(`${prefix}:g${generation}:*`)).to.equal(0);
      expect(await store.get('o-1')).to.include({ version: 1 });
      await expect(store.abortGeneration(0)).to.be.rejectedWith(GenerationConflict);
    });

    it('supersedes an unfinished rebuild and drops its keys', async () => {
      const abandoned = await store.beginGeneration();
      await store.applyBatchToGeneration(abandoned, [anUpsert('o-1', 1)]);

      const generation = await store.beginGeneration();

      expect(generation).to.equal(abandoned + 1);
      expect(await store.buildingGeneration()).to.equal(generation);
      expect(await countKeys(`${prefix}:g${abandoned}:*`)).to.equal(0);
      await expect(store.applyBatchToGeneration(abandoned, [anUpsert('o-1', 1)])).to.be.rejectedWith(GenerationConflict);
      await expect(store.switchGeneration(abandoned)).to.be.rejectedWith(GenerationConflict);
    });

    it('never hands out a generation number twice, and clears keys left under a new one', async () => {
      await client.hSet(`${prefix}:g1:order:{ghost}`, { v: '99', d: '{}' });
      const first = await store.beginGeneration();
      expect(first).to.equal(1);
      expect(await client.exists(`${prefix}:g1:order:{ghost}`)).to.equal(0);

      await store.abortGeneration(first);
      expect(await store.beginGeneration()).to.equal(2);
    });
  });

  describe('scripts and failures', () => {
    it('loads its scripts once when Redis has lost them, even with several calls failing together', async () => {
      let scriptLoads = 0;
      let cacheLost = true;
      const forgetful: RedisCommandClient = {
        async sendCommand(args) {
          if (args[0] === 'SCRIPT') {
            scriptLoads += 1;
            cacheLost = false;
          } else if (args[0] === 'EVALSHA' && cacheLost) {
            throw new ErrorReply('NOSCRIPT No matching script. Please use EVAL.');
          }
          return client.sendCommand([...args]);
        },
      };
      const events = Array.from({ length: 50 }, (_, i) => anUpsert(`o-${i % 10}`, Math.floor(i / 10) + 1));
      const forgetfulStore = new RedisProjectionStore(forgetful, { keyPrefix: prefix, tombstoneTtlSeconds: TTL_SECONDS, maxEventsPerScript: 10 });

      const outcomes = await forgetfulStore.applyBatch(events);

      expect(scriptLoads).to.equal(1);
      expect(outcomes).to.deep.equal(Array.from({ length: 50 }, () => 'applied'));
      expect(await store.get('o-3')).to.include({ version: 5 });
    });

    it('reports a closed connection as retriable', async () => {
      const closed = createClient({ url: testEnvironment.redisUrl });
      await closed.connect();
      await closed.close();

      await expect(new RedisProjectionStore(closed, { keyPrefix: prefix, tombstoneTtlSeconds: TTL_SECONDS }).get('o-1'))
        .to.be.rejectedWith(ProjectionStoreUnavailable)
        .and.eventually.include({ code: 'PROJECTION.STORE_UNAVAILABLE', retriable: true });
    });
  });
});
