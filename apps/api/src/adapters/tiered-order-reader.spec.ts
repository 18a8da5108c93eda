import { expect } from 'chai';
import { circuitBreaker, ConsecutiveBreaker, handleAll } from 'cockatiel';
import type { OrderEvent } from '@order-service/contracts';
import { anOrder } from '@order-service/domain/testing';
import type { ApplyOutcome, CachedOrder, ProjectionStore, ProjectionWrite } from '@order-service/projection';
import { MemoryProjectionStore } from '@order-service/projection/testing';
import { MemoryOrderRepository } from '../testing/memory-order-repository.js';
import { orderEvents } from '../use-cases/order-events.js';
import { LruOrderCache } from './lru-order-cache.js';
import { TieredOrderReader } from './tiered-order-reader.js';

/** A shared tier whose calls fail while `down`, counting them. */
class FlakyStore implements ProjectionStore {
  down = false;
  calls = 0;
  constructor(private readonly inner: ProjectionStore) {}
  async applyBatch(events: readonly OrderEvent[]): Promise<ApplyOutcome[]> {
    return this.inner.applyBatch(events);
  }
  async fill(write: ProjectionWrite): Promise<ApplyOutcome> {
    this.calls += 1;
    if (this.down) throw new Error('redis is down');
    return this.inner.fill(write);
  }
  async get(orderUid: string): Promise<CachedOrder | null> {
    this.calls += 1;
    if (this.down) throw new Error('redis is down');
    return this.inner.get(orderUid);
  }
}

describe('TieredOrderReader (in-memory tiers)', () => {
  const context = { requestId: null };
  let orders: MemoryOrderRepository;
  let lru: LruOrderCache;
  let shared: FlakyStore;
  let tiers: string[];

  const reader = (options: Partial<ConstructorParameters<typeof TieredOrderReader>[0]> = {}): TieredOrderReader =>
    new TieredOrderReader({ lru, orders, shared, observe: (tier) => tiers.push(tier), ...options });

  beforeEach(() => {
    orders = new MemoryOrderRepository(orderEvents);
    lru = new LruOrderCache({ maxEntries: 100, maxBytes: 1_000_000, ttlMs: 0 });
    shared = new FlakyStore(new MemoryProjectionStore({ tombstoneTtlMs: 60_000 }));
    tiers = [];
  });

  it('reads from PostgreSQL on a miss, fills the shared tier and the LRU, then answers from the LRU', async () => {
    const order = anOrder().build();
    await orders.create(order, context);
    const read = reader();

    const first = await read.read(order.order_uid);
    const second = await read.read(order.order_uid);

    expect([first?.tier, second?.tier]).to.deep.equal(['postgres', 'lru']);
    expect(JSON.parse(second?.body.toString('utf8') ?? 'null')).to.deep.equal(order);
    expect(await shared.get(order.order_uid)).to.deep.include({ state: 'present', version: 1 });
    expect(tiers).to.deep.equal(['postgres', 'lru']);
  });

  it('answers from the shared tier when the LRU lacks the order, and says null for an unknown one', async () => {
    const order = anOrder().build();
    await shared.fill({ orderUid: order.order_uid, version: 3, json: JSON.stringify(order), modifiedAt: '2024-03-01T10:00:00.000Z' });

    expect((await reader().read(order.order_uid))?.tier).to.equal('redis');
    expect(await reader().read('unknown')).to.equal(null);
    expect(tiers).to.deep.equal(['redis', 'miss']);
  });

  it('serves its own writes: a cached copy older than what this process wrote is not served', async () => {
    const order = anOrder().build();
    await orders.create(order, context);
    const read = reader();
    await read.read(order.order_uid);
    const { stored } = await orders.replace(order, [1], context);
    await shared.fill({ orderUid: order.order_uid, version: 1, json: JSON.stringify(order), modifiedAt: '2024-03-01T10:00:00.000Z' });
    read.recordWrite(order.order_uid, 2, JSON.stringify(stored.order), stored.updatedAt);
    lru.invalidate(order.order_uid);

    expect((await read.read(order.order_uid))?.version).to.equal(2);
  });

  it('reads on from PostgreSQL while the shared tier fails, and an open circuit spares it the calls', async () => {
    const order = anOrder().build();
    await orders.create(order, context);
    shared.down = true;
    const breaker = circuitBreaker(handleAll, { halfOpenAfter: 60_000, breaker: new ConsecutiveBreaker(1) });
    const read = reader({ sharedPolicy: breaker, lru: new LruOrderCache({ maxEntries: 100, maxBytes: 1, ttlMs: 0 }) });

    expect((await read.read(order.order_uid))?.tier).to.equal('postgres');
    const callsWhenOpen = shared.calls;
    expect((await read.read(order.order_uid))?.tier).to.equal('postgres');
    expect(shared.calls, 'no call reaches the shared tier while the circuit is open').to.equal(callsWhenOpen);
  });

  it('shares one PostgreSQL read between concurrent misses of one order', async () => {
    const order = anOrder().build();
    await orders.create(order, context);
    const read = reader();
    const [a, b] = await Promise.all([read.read(order.order_uid), read.read(order.order_uid)]);
    expect(a).to.equal(b);
    expect(tiers).to.deep.equal(['postgres']);
  });

  describe('a floor (minVersion) the client has seen', () => {
    /** The order at version 2 in PostgreSQL while the LRU and the shared tier still hold version 1. */
    async function staleTiers(): Promise<{ uid: string; read: TieredOrderReader }> {
      const order = anOrder().build();
      await orders.create(order, context);
      const read = reader();
      await read.read(order.order_uid);
      await orders.replace({ ...order, entry: 'V2' }, [1], context);
      tiers = [];
      return { uid: order.order_uid, read };
    }

    it('skips an LRU and a shared copy older than the floor and answers from PostgreSQL', async () => {
      const { uid, read } = await staleTiers();
      expect(read.cached(uid, 2), 'the synchronous path refuses the old LRU copy').to.equal(undefined);
      const view = await read.read(uid, 2);
      expect(view?.version).to.equal(2);
      expect(view?.tier).to.equal('postgres');
      expect(JSON.parse(view?.body.toString('utf8') ?? 'null')).to.include({ entry: 'V2' });
      expect(await shared.get(uid), 'the newer version is filled back').to.deep.include({ version: 2 });
      expect(tiers).to.deep.equal(['postgres']);
    });

    it('still serves the cached copy when it is at the floor, and without a floor', async () => {
      const { uid, read } = await staleTiers();
      expect(read.cached(uid, 1)?.version).to.equal(1);
      expect((await read.read(uid))?.version).to.equal(1);
      expect(tiers).to.deep.equal(['lru', 'lru']);
    });

    it('takes the shared tier when it is at the floor and the LRU is not', async () => {
      const order = anOrder().build();
      await orders.create(order, context);
      const read = reader();
      await read.read(order.order_uid);
      await orders.replace(order, [1], context);
      await shared.fill({ orderUid: order.order_uid, version: 2, json: JSON.stringify(order), modifiedAt: '2024-03-01T10:00:00.000Z' });
      tiers = [];
      expect((await read.read(order.order_uid, 2))?.tier).to.equal('redis');
    });

    it('answers what PostgreSQL holds when the floor is above every version', async () => {
      const { uid, read } = await staleTiers();
      expect((await read.read(uid, 9))?.version).to.equal(2);
    });

    it('does not join a concurrent read started for a lower floor', async () => {
      const { uid, read } = await staleTiers();
      lru.invalidate(uid);
      const [low, high] = await Promise.all([read.read(uid), read.read(uid, 2)]);
      expect(low?.version, 'the shared tier still holds version 1').to.equal(1);
      expect(high?.version).to.equal(2);
    });
  });
});
