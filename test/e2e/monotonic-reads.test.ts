// Monotonic reads across replicas: two real API processes share PostgreSQL and
// Redis while the projector is stopped, so the replica that did not take a write
// holds the old version in its LRU and in Redis; a read carrying the written tag
// (If-None-Match) or Min-Version must never answer that old version.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { createClient } from 'redis';
import { anOrder } from '@order-service/domain/testing';
import { RedisProjectionStore } from '@order-service/projection';
import { startProjector } from '../../apps/cache-projector/test/support/projector-instances.js';
import { call, createTestDatabase, createTestTopic, deleteTestTopic, type TestDatabase } from '../../apps/api/test/support/api-harness.js';
import { testEnvironment, uniqueName } from '../support/environment.js';
import { testIssuer } from '../support/test-issuer.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** This suite's ports (the reads slice's range): A's public and admin port, then B's. */
const PORTS = { a: 19_310, b: 19_312 };

interface ApiProcess {
  url: string;
  child: ChildProcess;
}

async function waitReady(adminUrl: string, child: ChildProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode} before it was ready`);
    try {
      if ((await fetch(`${adminUrl}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${adminUrl} not ready within ${timeoutMs} ms`);
}

async function stopProcess(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}

const newUid = (): string => uniqueName('mono').replace(/[^A-Za-z0-9_-]/g, '');

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('monotonic reads across two API processes, the projector stopped (real servers)', function () {
  this.timeout(180_000);
  let topic: string;
  let database: TestDatabase;
  let a: ApiProcess | undefined;
  let b: ApiProcess | undefined;
  const keyPrefix = uniqueName('mono');
  const channel = `${keyPrefix}:invalidate`;
  const redis = createClient({ url: testEnvironment.redisUrl });
  const store = new RedisProjectionStore(redis, { keyPrefix, tombstoneTtlSeconds: 60 });

  const startApiProcess = async (ports: number, env: Record<string, string>): Promise<ApiProcess> => {
    const child = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'apps/api/src/main.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        ...env,
        NODE_ENV: 'test',
        LOG_LEVEL: 'warn',
        PORT: String(ports),
        ADMIN_PORT: String(ports + 1),
        DATABASE_URL: database.url,
        KAFKA_BROKERS: testEnvironment.kafkaBrokers.join(','),
        KAFKA_TOPIC: topic,
        CACHE_BACKEND: 'redis',
        REDIS_URL: testEnvironment.redisUrl,
        REDIS_KEY_PREFIX: keyPrefix,
        CACHE_INVALIDATION_CHANNEL: channel,
        // Far longer than the test: only the floor can make B skip its old copy.
        CACHE_LRU_TTL_MS: '600000',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    await waitReady(`http://127.0.0.1:${ports + 1}`, child);
    return { url: `http://127.0.0.1:${ports}`, child };
  };

  before(async () => {
    topic = await createTestTopic('e2e-mono');
    database = await createTestDatabase('orders_mono');
    await redis.connect();
    const { apiEnv } = await testIssuer();
    [a, b] = await Promise.all([startApiProcess(PORTS.a, apiEnv), startApiProcess(PORTS.b, apiEnv)]);
  });
  after(async () => {
    await Promise.all([stopProcess(a?.child), stopProcess(b?.child)]);
    await redis.quit().catch(() => undefined);
    await deleteTestTopic(topic);
    await database?.drop();
  });

  it('never answers B’s older LRU or Redis copy to a read that carries the written tag or Min-Version', async () => {
    const api = { a: a!.url, b: b!.url };
    const inLru = anOrder().with({ order_uid: newUid() }).build();
    const inRedis = anOrder().with({ order_uid: newUid() }).build();

    // Version 1 of both orders reaches Redis through the real projector, which then stops.
    const projector = await startProjector({
      topic,
      deadLetterTopic: `${topic}.dlq`,
      groupId: uniqueName('mono-group'),
      keyPrefix,
      invalidationChannel: channel,
    });
    try {
      for (const order of [inLru, inRedis]) expect((await call(api.a, 'POST', '/orders', { json: order })).status).to.equal(201);
      for (const order of [inLru, inRedis]) {
        await eventually(`version 1 of ${order.order_uid} in Redis`, async () => ((await store.get(order.order_uid))?.version === 1 ? true : undefined));
      }
    } finally {
      await projector.stop();
    }
    const seen = await call(api.b, 'GET', `/orders/${inLru.order_uid}`);
    expect(seen.headers.get('cache-status')).to.equal('order-service; hit; detail=redis');
    expect((await call(api.b, 'GET', `/orders/${inLru.order_uid}`)).headers.get('cache-status'), 'B holds version 1 in its LRU').to.equal(
      'order-service; hit; detail=lru',
    );

    // Version 2 of both through A; nothing tells B, and Redis keeps version 1.
    const written: Record<string, string> = {};
    for (const order of [inLru, inRedis]) {
      const put = await call(api.a, 'PUT', `/orders/${order.order_uid}`, { json: { ...order, entry: 'V2' }, headers: { 'if-match': '"v1"' } });
      expect(put.status).to.equal(200);
      written[order.order_uid] = put.headers.get('etag')!;
    }
    expect(written[inLru.order_uid]).to.equal('"v2"');
    expect((await store.get(inRedis.order_uid))?.version, 'Redis still holds version 1').to.equal(1);
    const plain = await call(api.b, 'GET', `/orders/${inLru.order_uid}`);
    expect([plain.headers.get('etag'), plain.headers.get('cache-status')], 'without a floor B still serves its old copy').to.deep.equal([
      '"v1"',
      'order-service; hit; detail=lru',
    ]);

    // The written tag as If-None-Match: the client's copy is current, so 304 at version 2, never version 1.
    for (const order of [inLru, inRedis]) {
      const conditional = await call(api.b, 'GET', `/orders/${order.order_uid}`, { headers: { 'if-none-match': written[order.order_uid]! } });
      expect([conditional.status, conditional.headers.get('etag')], order.order_uid).to.deep.equal([304, '"v2"']);
      expect(conditional.headers.get('cache-status')).to.equal('order-service; fwd=miss; detail=postgres');
    }

    // A third version through A: B's tiers now hold version 2 (its floor reads filled them), the client asks for 2 or newer.
    const third = await call(api.a, 'PUT', `/orders/${inRedis.order_uid}`, { json: { ...inRedis, entry: 'V3' }, headers: { 'if-match': '"v2"' } });
    expect(third.headers.get('etag')).to.equal('"v3"');
    const newer = await call(api.b, 'GET', `/orders/${inRedis.order_uid}`, { headers: { 'if-none-match': '"v3"' } });
    expect([newer.status, newer.headers.get('etag')]).to.deep.equal([304, '"v3"']);
    const olderTag = await call(api.b, 'GET', `/orders/${inLru.order_uid}`, { headers: { 'if-none-match': '"v1"' } });
    expect([olderTag.status, olderTag.headers.get('etag'), olderTag.body?.entry], 'an older tag is answered with the newer order').to.deep.equal([
      200,
      '"v2"',
      'V2',
    ]);

    // Min-Version: the floor without a condition, answered with the order itself.
    const fourth = await call(api.a, 'PUT', `/orders/${inLru.order_uid}`, { json: { ...inLru, entry: 'V3' }, headers: { 'if-match': '"v2"' } });
    expect(fourth.headers.get('etag')).to.equal('"v3"');
    expect((await call(api.b, 'GET', `/orders/${inLru.order_uid}`)).headers.get('etag'), 'B’s LRU holds version 2').to.equal('"v2"');
    const floored = await call(api.b, 'GET', `/orders/${inLru.order_uid}`, { headers: { 'min-version': '3' } });
    expect([floored.status, floored.headers.get('etag'), floored.body?.entry]).to.deep.equal([200, '"v3"', 'V3']);

    const refused = await call(api.b, 'GET', `/orders/${inLru.order_uid}`, { headers: { 'min-version': 'v3' } });
    expect(refused.status).to.equal(422);
    expect(refused.headers.get('content-type')).to.match(/^application\/problem\+json/);
    expect(refused.body.errors.map((e: { path: string }) => e.path)).to.deep.equal(['/headers/Min-Version']);
  });
});
