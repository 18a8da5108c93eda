import { expect } from 'chai';
import { anOrder } from '@order-service/domain/testing';
import { buildApp as buildProjector, type ProjectorApp } from '../../apps/cache-projector/src/composition-root.js';
import { projectorConfig, testLogger } from '../../apps/cache-projector/test/support/projector-instances.js';
import {
  call,
  createTestDatabase,
  createTestTopic,
  deleteTestTopic,
  startApi,
  type RunningApi,
  type TestDatabase,
} from '../../apps/api/test/support/api-harness.js';
import { uniqueName } from '../support/environment.js';

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const newUid = (): string => uniqueName('tier').replace(/[^A-Za-z0-9_-]/g, '');

describe('cache tiers across processes: LRU, Redis, PostgreSQL (real servers)', function () {
  this.timeout(120_000);
  let topic: string;
  let database: TestDatabase;
  let projector: ProjectorApp;
  const keyPrefix = uniqueName('tiers');
  const channel = `${keyPrefix}:invalidate`;

  before(async () => {
    topic = await createTestTopic('e2e-tiers');
    database = await createTestDatabase('orders_tiers');
    projector = buildProjector(
      projectorConfig({ topic, deadLetterTopic: `${topic}.dlq`, groupId: uniqueName('tiers-group'), keyPrefix, invalidationChannel: channel }),
      testLogger(),
    );
    await projector.start();
  });
  after(async () => {
    await projector?.stop();
    await deleteTestTopic(topic);
    await database?.drop();
  });

  const redisApi = (ttlMs: number): Promise<RunningApi> =>
    startApi({
      KAFKA_TOPIC: topic,
      DATABASE_URL: database.url,
      CACHE_BACKEND: 'redis',
      REDIS_KEY_PREFIX: keyPrefix,
      CACHE_INVALIDATION_CHANNEL: channel,
      CACHE_LRU_TTL_MS: String(ttlMs),
    });

  describe('CACHE_BACKEND=redis with two API replicas', () => {
    let a: RunningApi;
    let b: RunningApi;
    before(async () => {
      a = await redisApi(60_000);
      b = await redisApi(60_000);
    });
    after(async () => {
      await a?.stop();
      await b?.stop();
    });

    it('serves a read from PostgreSQL, then Redis, then the LRU, naming each tier in Cache-Status', async () => {
      const order = anOrder().with({ order_uid: newUid() }).build();
      await call(a.url, 'POST', '/orders', { json: order });
      // B never saw the write: its first read is a miss unless the projector already filled Redis.
      const first = await call(b.url, 'GET', `/orders/${order.order_uid}`);
      expect(first.status).to.equal(200);
      expect(first.headers.get('cache-status')).to.be.oneOf(['order-service; fwd=miss; detail=postgres', 'order-service; hit; detail=redis']);
      const second = await call(b.url, 'GET', `/orders/${order.order_uid}`);
      expect(second.headers.get('cache-status')).to.equal('order-service; hit; detail=lru');
      expect(second.body).to.deep.equal(order);
      const third = await eventually('a Redis hit on a third replica', async () => {
        const c = await redisApi(60_000);
        try {
          const res = await call(c.url, 'GET', `/orders/${order.order_uid}`);
          return res.headers.get('cache-status') === 'order-service; hit; detail=redis' ? res : undefined;
        } finally {
          await c.stop();
        }
      });
      expect(third.body).to.deep.equal(order);
    });

    it("answers the writing replica's next read with the new version at once", async () => {
      const order = anOrder().with({ order_uid: newUid() }).build();
      await call(a.url, 'POST', '/orders', { json: order });
      await call(a.url, 'GET', `/orders/${order.order_uid}`);
      await call(a.url, 'PUT', `/orders/${order.order_uid}`, { json: { ...order, entry: 'V2' } });
      const read = await call(a.url, 'GET', `/orders/${order.order_uid}`);
      expect(read.headers.get('etag')).to.equal('"v2"');
      expect(read.body.entry).to.equal('V2');
    });

    it("drops the other replica's LRU copy when the invalidation arrives, long before its TTL", async () => {
      const order = anOrder().with({ order_uid: newUid() }).build();
      await call(a.url, 'POST', '/orders', { json: order });
      await eventually('B caching v1 in its LRU', async () => {
        const res = await call(b.url, 'GET', `/orders/${order.order_uid}`);
        return res.headers.get('cache-status') === 'order-service; hit; detail=lru' && res.headers.get('etag') === '"v1"' ? res : undefined;
      });
      await call(a.url, 'PUT', `/orders/${order.order_uid}`, { json: { ...order, entry: 'V2' } });
      const started = Date.now();
      const fresh = await eventually('B serving v2', async () => {
        const res = await call(b.url, 'GET', `/orders/${order.order_uid}`);
        return res.headers.get('etag') === '"v2"' ? res : undefined;
      });
      expect(fresh.body.entry).to.equal('V2');
      // The LRU TTL is a minute: only the invalidation message explains a change within seconds.
      expect(Date.now() - started).to.be.below(10_000);
    });
  });

  describe('CACHE_BACKEND=redis without invalidation messages', () => {
    it('lets the LRU TTL bound staleness', async () => {
      const writer = await redisApi(60_000);
      const reader = await startApi({
        KAFKA_TOPIC: topic,
        DATABASE_URL: database.url,
        CACHE_BACKEND: 'redis',
        REDIS_KEY_PREFIX: keyPrefix,
        CACHE_INVALIDATION_CHANNEL: uniqueName('nobody-publishes-here'),
        CACHE_LRU_TTL_MS: '1500',
      });
      try {
        const order = anOrder().with({ order_uid: newUid() }).build();
        await call(writer.url, 'POST', '/orders', { json: order });
        await call(reader.url, 'GET', `/orders/${order.order_uid}`);
        await call(writer.url, 'PUT', `/orders/${order.order_uid}`, { json: { ...order, entry: 'V2' } });
        const fresh = await eventually(
          'the reader serving v2 after its TTL',
          async () => {
            const res = await call(reader.url, 'GET', `/orders/${order.order_uid}`);
            return res.headers.get('etag') === '"v2"' ? res : undefined;
          },
          15_000,
        );
        expect(fresh.body.entry).to.equal('V2');
      } finally {
        await writer.stop();
        await reader.stop();
      }
    });
  });

  describe('Redis unreachable', () => {
    it('still answers GETs from PostgreSQL, and says so in Cache-Status', async () => {
      const api = await startApi({
        KAFKA_TOPIC: topic,
        DATABASE_URL: database.url,
        CACHE_BACKEND: 'redis',
        REDIS_URL: 'redis://127.0.0.1:1/0',
        CACHE_LRU_TTL_MS: '1',
      });
      try {
        const order = anOrder().with({ order_uid: newUid() }).build();
        expect((await call(api.url, 'POST', '/orders', { json: order })).status).to.equal(201);
        await new Promise((r) => setTimeout(r, 20));
        const read = await call(api.url, 'GET', `/orders/${order.order_uid}`);
        expect(read.status).to.equal(200);
        expect(read.headers.get('cache-status')).to.equal('order-service; fwd=miss; detail=postgres');
        expect(read.body).to.deep.equal(order);
      } finally {
        await api.stop();
      }
    });
  });

  describe('CACHE_BACKEND=lru', () => {
    it('warms its LRU from the topic before it is ready, and serves what it projected', async () => {
      const writer = await redisApi(60_000);
      const order = anOrder().with({ order_uid: newUid() }).build();
      await call(writer.url, 'POST', '/orders', { json: order });
      await writer.stop();
      // The relay of `writer` published before it stopped; a fresh lru-mode API reads the topic.
      const lru = await startApi({ KAFKA_TOPIC: topic, DATABASE_URL: database.url, CACHE_BACKEND: 'lru' });
      try {
        await eventually('readiness', async () => ((await call(lru.adminUrl, 'GET', '/readyz')).status === 200 ? true : undefined));
        const read = await eventually('an LRU hit', async () => {
          const res = await call(lru.url, 'GET', `/orders/${order.order_uid}`);
          return res.headers.get('cache-status') === 'order-service; hit; detail=lru' ? res : undefined;
        });
        expect(read.body).to.deep.equal(order);
      } finally {
        await lru.stop();
      }
    });
  });
});
