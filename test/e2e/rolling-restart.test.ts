/**
 * Zero-downtime rolling restarts (real nginx, real servers): ./scripts/up
 * --replicas 2 --workers 2, a steady mixed load through nginx, and
 * ./scripts/restart-rolling restarting every API replica and then every
 * projector worker under it. The client must see no connection error and no
 * 5xx, every Idempotency-Key must have made exactly one order, no
 * acknowledged write may be lost, Redis must equal PostgreSQL at the end, and
 * a worker restarted under its static id takes its own partitions back
 * without a rebalance of the other. Prints p99 latency during the restarts
 * against before them, and the projection staleness during the workers'
 * restart (the figures in the README).
 *
 * Ports: ROLLING_TEST_PORT (19700) and the layout of scripts/lib/apps.sh from
 * there (nginx on it, replicas from +20, the second worker on +30).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { createClient } from 'redis';
import { createDatabase } from '@order-service/postgres';
import { RedisProjectionStore } from '@order-service/projection';
import { KnexOrderRepository } from '../../apps/api/src/adapters/knex-order-repository.js';
import { orderEvents } from '../../apps/api/src/use-cases/order-events.js';
import { testKafka, waitForZeroLag } from '../../apps/cache-projector/test/support/kafka-fixtures.js';
import { waitFor } from '../support/wait-for.js';
import { describeFigures, figuresOf, readAppLog, runRollingRestart, type RollingRestartRun } from '../../bench/support/rolling-restart-run.js';
import { testEnvironment, uniqueName } from '../support/environment.js';

const root = new URL('../../', import.meta.url).pathname;
const RATE = Number(process.env.ROLLING_TEST_RATE ?? 200);

describe('rolling restart of 2 API replicas behind nginx and 2 projector workers under load (real processes)', function () {
  this.timeout(300_000);
  const runDir = mkdtempSync(join(tmpdir(), 'order-service-rolling-'));
  const port = Number(process.env.ROLLING_TEST_PORT ?? 19_700);
  const topic = uniqueName('rolling-orders');
  const groupId = uniqueName('rolling-group');
  const keyPrefix = uniqueName('rolling');
  const channel = `${keyPrefix}:invalidate`;
  const customerId = uniqueName('rolling-cust');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RUN_DIR: runDir,
    PORT: String(port),
    PROJECTOR_PORT: String(port + 1),
    ADMIN_PORT: String(port + 2),
    DEV_ISSUER_PORT: String(port + 10),
    REPLICA_PORT_BASE: String(port + 20),
    WORKER_PORT_BASE: String(port + 30),
    DATABASE_URL: testEnvironment.databaseUrl,
    REDIS_URL: testEnvironment.redisUrl,
    REDIS_KEY_PREFIX: keyPrefix,
    CACHE_INVALIDATION_CHANNEL: channel,
    KAFKA_TOPIC: topic,
    KAFKA_GROUP_ID: groupId,
    // One client token makes the whole load: no rate limit.
    RATE_LIMIT_PER_SUBJECT: '0',
    RATE_LIMIT_PER_ADDRESS: '0',
    // A few connections per replica are plenty at this rate, and leave the shared PostgreSQL's to other work.
    DATABASE_POOL_MAX: '6',
    LOG_LEVEL: 'info',
    LOG_PRETTY: 'false',
  };
  let run: RollingRestartRun | undefined;
  let passed = false;

  after(async () => {
    await run?.staleness.stop();
    await run?.down().catch(() => undefined);
    const admin = testKafka().admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
    await admin.disconnect();
    // Kept when the test failed: the apps' and nginx's logs say why.
    if (passed) rmSync(runDir, { recursive: true, force: true });
    else console.log(`      logs kept in ${runDir}`);
  });

  it('serves every request, loses and doubles nothing, and ends with Redis equal to PostgreSQL', async () => {
    run = await runRollingRestart({
      root,
      env,
      replicas: 2,
      workers: 2,
      publicUrl: `http://127.0.0.1:${port}`,
      redisUrl: testEnvironment.redisUrl,
      invalidationChannel: channel,
      rate: RATE,
      steadySeconds: 15,
      tailSeconds: 4,
      customerId,
      progress: (line) => console.log(`      ${line}`),
    });
    const { load, staleness, phases } = run;
    const figures = figuresOf(run);
    for (const line of describeFigures(figures)) console.log(`      ${line}`);

    // The client saw every request answered, as it expected: no connection error, no 5xx, no 412 of a write repeated behind its back.
    expect(figures.requests, 'requests sent over the run').to.be.at.least(RATE * 25 * 0.9);
    const nginxErrors = (): string =>
      `${JSON.stringify(figures.statuses)}; nginx's error log:\n${readFileSync(join(runDir, 'nginx', 'error.log'), 'utf8')
        .split('\n')
        .slice(-8)
        .join('\n')}`;
    expect(figures.connectionErrors, nginxErrors()).to.equal(0);
    expect(figures.serverErrors, nginxErrors()).to.equal(0);
    const unexpected = load.samples.filter((s) => s.status !== { get: 200, post: 201, put: 200 }[s.kind]);
    expect(unexpected.length, JSON.stringify(figures.statuses)).to.equal(0);
    expect(
      Object.keys(figures.statuses).some((status) => status.startsWith('PUT')),
      'PUTs were sent',
    ).to.equal(true);
    expect(phases.workersStart).to.be.greaterThan(phases.restartStart);
    expect(run.restartOutput).to.match(/api-1 restarted[\s\S]*api-2 restarted[\s\S]*projector-1 restarted[\s\S]*projector-2 restarted/);

    const db = createDatabase({ url: testEnvironment.databaseUrl, poolMax: 4 });
    const redis = createClient({ url: testEnvironment.redisUrl });
    const admin = testKafka().admin();
    await Promise.all([redis.connect(), admin.connect()]);
    try {
      // Each Idempotency-Key made exactly one order, and every order made is one the client was told of.
      const stored = new Map<string, number>(
        (await db('orders').where({ customer_id: customerId }).select('order_uid', 'version')).map((row: { order_uid: string; version: number }) => [
          row.order_uid,
          Number(row.version),
        ]),
      );
      expect(load.createdByKey.size).to.equal(load.keysSent.length);
      expect(new Set(load.createdByKey.values()).size).to.equal(load.keysSent.length);
      expect([...stored.keys()].sort()).to.deep.equal([...load.createdByKey.values()].sort());
      // No acknowledged replacement lost: each order is at the version its last answer gave.
      const behind = [...load.orders].filter(([uid, known]) => stored.get(uid) !== known.version);
      expect(behind.length, `orders not at their acknowledged version: ${behind.slice(0, 3).map(([uid]) => uid)}`).to.equal(0);

      // Redis equals PostgreSQL once the outbox is empty and the group caught up.
      await waitFor('the outbox to empty', async () => Number((await db('outbox').count({ n: '*' }))[0]?.n) === 0, { timeoutMs: 60_000 });
      await waitForZeroLag(admin, groupId, topic, 60_000);
      const orders = new KnexOrderRepository(db, orderEvents);
      const cache = new RedisProjectionStore(redis, { keyPrefix, tombstoneTtlSeconds: 60 });
      const mismatches: string[] = [];
      for (const uid of stored.keys()) {
        const [order, cached] = await Promise.all([orders.get(uid), cache.get(uid)]);
        if (!(order && cached?.state === 'present' && cached.version === order.version && cached.json === JSON.stringify(order.order))) mismatches.push(uid);
      }
      expect(mismatches, `Redis differs from PostgreSQL for ${mismatches.slice(0, 3).join(', ')}`).to.deep.equal([]);
      expect(staleness.unannounced, 'acknowledged writes never announced by the projector').to.equal(0);
    } finally {
      await Promise.all([redis.quit(), admin.disconnect(), db.destroy()]);
    }

    // A restarted worker takes its own partitions back, and the other one sees no rebalance meanwhile: from the
    // first worker's SIGTERM on, each worker logs only its own stop and its own assignment, of what it had before.
    // Assignments are incremental (cooperative): what a worker owns is what it was assigned and not revoked since.
    const owned = (lines: ReturnType<typeof readAppLog>): string => {
      const partitions = new Set<number>();
      for (const line of lines)
        for (const { partition } of line.partitions ?? []) {
          if (line.msg === 'partitions assigned') partitions.add(partition);
          else partitions.delete(partition);
        }
      return [...partitions].sort((a, b) => a - b).join(',');
    };
    for (const worker of ['projector-1', 'projector-2']) {
      const lines = readAppLog(runDir, worker).filter((line) => line.msg === 'partitions assigned' || line.msg === 'partitions revoked');
      const before = lines.filter((line) => Date.parse(line.time) < phases.workersStart);
      const during = lines.filter((line) => Date.parse(line.time) >= phases.workersStart);
      expect(owned(before), `${worker} owned partitions before the restart`).to.not.equal('');
      expect(
        during.map((line) => `${line.msg} ${owned([{ ...line, msg: 'partitions assigned' }])}`),
        `${worker}'s rebalance lines from the workers' restart on`,
      ).to.deep.equal([`partitions revoked ${owned(before)}`, `partitions assigned ${owned(before)}`]);
    }
    passed = true;
  });
});
