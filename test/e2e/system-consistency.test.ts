import { expect } from 'chai';
import { createClient } from 'redis';
import { anOrder } from '@order-service/domain/testing';
import { createDatabase } from '@order-service/postgres';
import { RedisProjectionStore } from '@order-service/projection';
import { KnexOrderRepository } from '../../apps/api/src/adapters/knex-order-repository.js';
import { orderEvents } from '../../apps/api/src/use-cases/order-events.js';
import {
  call,
  createTestDatabase,
  createTestTopic,
  deleteTestTopic,
  startApi,
  type RunningApi,
  type TestDatabase,
} from '../../apps/api/test/support/api-harness.js';
import { buildApp as buildProjector, type ProjectorApp } from '../../apps/cache-projector/src/composition-root.js';
import { testKafka, waitForZeroLag } from '../../apps/cache-projector/test/support/kafka-fixtures.js';
import { projectorConfig, testLogger } from '../../apps/cache-projector/test/support/projector-instances.js';
import { waitFor } from '../support/wait-for.js';
import { testEnvironment, uniqueName } from '../support/environment.js';

/** Runs `work` over `items` with at most `concurrency` at once. */
async function inParallel<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++] as T);
    }),
  );
}

describe('the whole system: API writes through the outbox and Kafka to two projectors (real servers)', function () {
  this.timeout(300_000);
  const keyPrefix = uniqueName('system');
  const groupId = uniqueName('system-group');
  let topic: string;
  let database: TestDatabase;
  let api: RunningApi;
  const projectors: ProjectorApp[] = [];

  before(async () => {
    topic = await createTestTopic('e2e-system');
    database = await createTestDatabase('orders_system');
    api = await startApi({ KAFKA_TOPIC: topic, DATABASE_URL: database.url, CACHE_BACKEND: 'redis', REDIS_KEY_PREFIX: keyPrefix });
    for (let i = 0; i < 2; i += 1) {
      const projector = buildProjector(projectorConfig({ topic, deadLetterTopic: `${topic}.dlq`, groupId, keyPrefix }), testLogger());
      await projector.start();
      projectors.push(projector);
    }
  });

  after(async () => {
    for (const projector of projectors) await projector.stop();
    await api?.stop();
    await deleteTestTopic(topic);
    await database?.drop();
  });

  it('ends with Redis equal to PostgreSQL for every one of 2,000 orders written, updated and deleted', async () => {
    const uids = Array.from({ length: 2_000 }, (_, i) => `${keyPrefix}-${i}`);
    await inParallel(uids, 16, async (uid) => {
      const res = await call(api.url, 'POST', '/orders', { json: anOrder().with({ order_uid: uid }).build() });
      expect(res.status).to.equal(201);
    });
    // A third of them replaced twice, a tenth deleted.
    await inParallel(
      uids.filter((_, i) => i % 3 === 0),
      16,
      async (uid) => {
        for (const entry of ['V2', 'V3']) {
          const res = await call(api.url, 'PUT', `/orders/${uid}`, { json: anOrder().with({ order_uid: uid, entry }).build() });
          expect(res.status).to.equal(200);
        }
      },
    );
    await inParallel(
      uids.filter((_, i) => i % 10 === 1),
      16,
      async (uid) => {
        expect((await call(api.url, 'DELETE', `/orders/${uid}`)).status).to.equal(204);
      },
    );

    const db = createDatabase({ url: database.url, poolMax: 4 });
    const admin = testKafka().admin();
    const redis = createClient({ url: testEnvironment.redisUrl });
    await Promise.all([admin.connect(), redis.connect()]);
    try {
      await waitFor('the outbox to empty', async () => Number((await db('outbox').count({ n: '*' }))[0]?.n) === 0, { timeoutMs: 60_000 });
      await waitForZeroLag(admin, groupId, topic, 60_000);

      const orders = new KnexOrderRepository(db, orderEvents);
      const cache = new RedisProjectionStore(redis, { keyPrefix, tombstoneTtlSeconds: 60 });
      const mismatches: string[] = [];
      await inParallel(uids, 16, async (uid) => {
        const [stored, cached] = await Promise.all([orders.get(uid), cache.get(uid)]);
        const agrees = stored
          ? cached?.state === 'present' && cached.version === stored.version && cached.json === JSON.stringify(stored.order)
          : cached?.state === 'deleted';
        if (!agrees) mismatches.push(uid);
      });
      expect(mismatches, `mismatches: ${mismatches.slice(0, 5).join(', ')}`).to.deep.equal([]);
      expect(
        projectors.every((p) => p.counters.applied > 0),
        'both projectors applied events',
      ).to.equal(true);
    } finally {
      await Promise.all([admin.disconnect(), redis.quit(), db.destroy()]);
    }
  });
});
