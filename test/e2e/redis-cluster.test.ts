import { expect } from 'chai';
import { anOrder } from '@order-service/domain/testing';
import { createDatabase } from '@order-service/postgres';
import { RedisConnection, RedisProjectionStore } from '@order-service/projection';
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
import { replayCache } from '../../apps/cache-projector/src/replay/replay-cache.js';
import { testKafka, waitForZeroLag } from '../../apps/cache-projector/test/support/kafka-fixtures.js';
import { projectorConfig, testLogger } from '../../apps/cache-projector/test/support/projector-instances.js';
import { waitFor } from '../support/wait-for.js';
import { testEnvironment, uniqueName } from '../support/environment.js';
import { RedisClusterUnderTest } from '../support/redis-cluster.js';

/** Ports of this test's cluster (the redis slice's range): nodes 19200-19205, cluster bus 19210-19215. */
const FIRST_PORT = 19200;
const TTL_SECONDS = 3600;

describe('Redis Cluster: projector, API reads, invalidation and replay on 3 masters and 3 replicas (real servers)', function () {
  this.timeout(240_000);
  const keyPrefix = uniqueName('cluster');
  const groupId = uniqueName('cluster-group');
  const channel = `${keyPrefix}:invalidate`;
  let cluster: RedisClusterUnderTest;
  let topic: string;
  let database: TestDatabase;
  let projector: ProjectorApp;
  let writer: RunningApi;
  let watcher: RunningApi;
  let reader: RunningApi;
  let redis: RedisConnection;
  let store: RedisProjectionStore;

  const clusterApi = (lruTtlMs: number): Promise<RunningApi> =>
    startApi({
      KAFKA_TOPIC: topic,
      DATABASE_URL: database.url,
      CACHE_BACKEND: 'redis',
      REDIS_CLUSTER_NODES: cluster.addresses.join(','),
      REDIS_KEY_PREFIX: keyPrefix,
      CACHE_INVALIDATION_CHANNEL: channel,
      // Writes and reads as fast as the machine allows: the rate limiter is not what this test is about.
      RATE_LIMIT_PER_SUBJECT: '0',
      RATE_LIMIT_PER_ADDRESS: '0',
      CACHE_LRU_TTL_MS: String(lruTtlMs),
    });

  before(async () => {
    cluster = await RedisClusterUnderTest.start({ firstPort: FIRST_PORT });
    topic = await createTestTopic('e2e-cluster');
    database = await createTestDatabase('orders_cluster');
    projector = buildProjector(
      projectorConfig({ topic, deadLetterTopic: `${topic}.dlq`, groupId, keyPrefix, invalidationChannel: channel, redisClusterNodes: cluster.addresses }),
      testLogger(),
    );
    await projector.start();
    writer = await clusterApi(5_000);
    // The watcher's LRU keeps a copy a minute: only an invalidation explains a newer version within seconds.
    watcher = await clusterApi(60_000);
    // The reader's LRU keeps a copy half a second, so its reads go to Redis most of the time.
    reader = await clusterApi(500);
    redis = new RedisConnection({ url: testEnvironment.redisUrl, clusterNodes: cluster.addresses, onError: () => undefined });
    await redis.connect();
    store = new RedisProjectionStore(redis.commands, { keyPrefix, tombstoneTtlSeconds: TTL_SECONDS });
  });

  after(async () => {
    for (const app of [reader, watcher, writer]) await app?.stop();
    await projector?.stop();
    await redis?.close();
    await cluster?.stop();
    if (topic) await deleteTestTopic(topic);
    await database?.drop();
  });

  it("drops another replica's LRU copy when the projector's invalidation arrives through the cluster", async () => {
    const order = anOrder()
      .with({ order_uid: uniqueName('inval') })
      .build();
    expect((await call(writer.url, 'POST', '/orders', { json: order })).status).to.equal(201);
    await waitFor(
      'the watcher to hold v1 in its LRU',
      async () => {
        const res = await call(watcher.url, 'GET', `/orders/${order.order_uid}`);
        return res.headers.get('etag') === '"v1"' && res.headers.get('cache-status') === 'order-service; hit; detail=lru';
      },
      { timeoutMs: 20_000 },
    );
    expect((await call(writer.url, 'PUT', `/orders/${order.order_uid}`, { json: { ...order, entry: 'V2' } })).status).to.equal(200);
    const started = Date.now();
    await waitFor('the watcher to serve v2', async () => (await call(watcher.url, 'GET', `/orders/${order.order_uid}`)).headers.get('etag') === '"v2"', {
      timeoutMs: 20_000,
    });
    expect(Date.now() - started, 'far below the LRU TTL of a minute').to.be.below(10_000);
  });

  it('under write load, a full replay with its generation switch and kill -9 of a master end with Redis equal to PostgreSQL and no stale read', async () => {
    const load = writeLoad(writer.url, 600);
    const reads = readLoad(reader.url, load.uids);
    await waitFor('some orders written', () => Promise.resolve(load.uids.length > 300), { timeoutMs: 30_000 });

    const liveBefore = await store.liveGeneration();
    const summary = await replayCache({
      brokers: testEnvironment.kafkaBrokers,
      topic,
      redisUrl: testEnvironment.redisUrl,
      redisClusterNodes: cluster.addresses,
      keyPrefix,
      tombstoneTtlSeconds: TTL_SECONDS,
      batchSize: 200,
      logger: testLogger(),
      groupIdPrefix: `${groupId}-replay`,
    });
    expect(summary.fromGeneration).to.equal(liveBefore);
    expect(await store.liveGeneration()).to.equal(summary.toGeneration);

    const [victim] = await cluster.masters();
    const killedAt = Date.now();
    await cluster.kill(victim!);
    await cluster.waitUntilHealthy();
    const failoverMs = Date.now() - killedAt;
    expect(await cluster.masters(), 'a replica took over').to.not.include(victim);
    const writtenBeforeFailover = load.acknowledged;
    await waitFor('writes acknowledged after the failover', () => Promise.resolve(load.acknowledged > writtenBeforeFailover + 200), { timeoutMs: 60_000 });
    await load.stop();
    const served = await reads.stop();

    const db = createDatabase({ url: database.url, poolMax: 4 });
    const admin = testKafka().admin();
    await admin.connect();
    try {
      await waitFor('the outbox to empty', async () => Number((await db('outbox').count({ n: '*' }))[0]?.n) === 0, { timeoutMs: 60_000 });
      await waitForZeroLag(admin, groupId, topic, 60_000);
      const orders = new KnexOrderRepository(db, orderEvents);
      const expected = new Map<string, number | null>();
      for (const uid of load.uids) expected.set(uid, (await orders.get(uid))?.version ?? null);

      // This test's own client sent nothing since the kill: its first command to the dead master's slots fails
      // offline and makes the adapter read the slots again, as the projector and the API do by retrying.
      const uids = [...expected.keys()];
      await waitFor(
        "this test's Redis client to reach every master after the failover",
        async () => {
          try {
            for (const uid of uids) await store.get(uid);
            return true;
          } catch {
            return false;
          }
        },
        { timeoutMs: 30_000, intervalMs: 300 },
      );
      const mismatches: string[] = [];
      for (const [uid, version] of expected) {
        const cached = await store.get(uid);
        const agrees = version === null ? cached?.state === 'deleted' : cached?.state === 'present' && cached.version === version;
        if (!agrees) mismatches.push(`${uid}: postgres ${version}, redis ${JSON.stringify(cached && { state: cached.state, version: cached.version })}`);
      }
      expect(mismatches, 'Redis against PostgreSQL').to.deep.equal([]);

      // Past the reader's LRU TTL: every read now comes from Redis (or PostgreSQL) and must be current.
      await new Promise((resolve) => setTimeout(resolve, 700));
      const stale: string[] = [];
      for (const [uid, version] of expected) {
        const res = await call(reader.url, 'GET', `/orders/${uid}`);
        const answered = res.status === 404 ? null : res.headers.get('etag');
        if (answered !== (version === null ? null : `"v${version}"`)) stale.push(`${uid}: postgres ${version}, served ${res.status} ${answered}`);
      }
      expect(stale, 'reads through the API after the failover').to.deep.equal([]);
      expect(served.errors, `server errors among ${served.total} reads during the load`).to.equal(0);
      expect(served.total).to.be.greaterThan(100);

      let oldKeys = 0;
      for await (const page of redis.commands.scan(`${keyPrefix}:g${summary.fromGeneration}:order:*`, 1000)) oldKeys += page.length;
      expect(oldKeys, 'keys left of the generation replaced').to.equal(0);
      process.stdout.write(
        `      ${load.uids.length} orders, ${load.acknowledged} writes, ${served.total} reads; replay of ${summary.events} events; failover ${failoverMs} ms\n`,
      );
    } finally {
      await Promise.all([admin.disconnect(), db.destroy()]);
    }
  });
});

/** Creates up to `orders` orders, then replaces and deletes them, 8 requests at a time, until stopped. */
function writeLoad(url: string, orders: number): { uids: string[]; readonly acknowledged: number; stop(): Promise<void> } {
  const uids: string[] = [];
  const versions = new Map<string, number>();
  let running = true;
  let acknowledged = 0;
  let created = 0;
  const worker = async (): Promise<void> => {
    while (running) {
      if (created < orders) {
        created += 1;
        const uid = uniqueName('load');
        const res = await call(url, 'POST', '/orders', { json: anOrder().with({ order_uid: uid }).build() });
        if (res.status !== 201) throw new Error(`POST answered ${res.status}: ${res.text}`);
        uids.push(uid);
        versions.set(uid, 1);
      } else {
        const uid = uids[Math.floor(Math.random() * uids.length)]!;
        const version = versions.get(uid);
        if (version === undefined) continue;
        versions.delete(uid);
        if (Math.random() < 0.05) {
          const res = await call(url, 'DELETE', `/orders/${uid}`);
          if (res.status !== 204) throw new Error(`DELETE answered ${res.status}: ${res.text}`);
        } else {
          const res = await call(url, 'PUT', `/orders/${uid}`, {
            json: anOrder()
              .with({ order_uid: uid, entry: `V${version + 1}` })
              .build(),
          });
          if (res.status !== 200) throw new Error(`PUT answered ${res.status}: ${res.text}`);
          versions.set(uid, version + 1);
        }
      }
      acknowledged += 1;
    }
  };
  const workers = Promise.all(Array.from({ length: 8 }, worker));
  workers.catch(() => undefined);
  return {
    uids,
    get acknowledged() {
      return acknowledged;
    },
    async stop() {
      running = false;
      await workers;
    },
  };
}

/** Reads random orders through `url`, 4 at a time, until stopped; counts server errors. */
function readLoad(url: string, uids: readonly string[]): { stop(): Promise<{ total: number; errors: number }> } {
  let running = true;
  const counts = { total: 0, errors: 0 };
  const worker = async (): Promise<void> => {
    while (running) {
      if (uids.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        continue;
      }
      const res = await call(url, 'GET', `/orders/${uids[Math.floor(Math.random() * uids.length)]!}`);
      counts.total += 1;
      if (res.status >= 500) counts.errors += 1;
    }
  };
  const workers = Promise.all(Array.from({ length: 4 }, worker));
  return {
    async stop() {
      running = false;
      await workers;
      return counts;
    },
  };
}
