/**
 * Kafka beyond one broker, on JVMs this file starts, kills and restarts itself
 * (a 3-node KRaft cluster on 19100-19105, a single broker on 19120; never the
 * shared broker): acknowledged writes survive kill -9 of a broker, and the
 * failover times of the projector workers, each printed and asserted against
 * twice its target (the figures themselves are in the README).
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'chai';
import { createClient } from 'redis';
import { encodeOrderEvent } from '@order-service/contracts';
import { anOrder } from '@order-service/domain/testing';
import {
  countBrokers,
  createKafka,
  deadLetterTopicSpec,
  ensureTopics,
  inspectTopics,
  ordersTopicSpec,
  reliableProducerConfig,
  resolveTopicSettings,
  type KafkaJS,
  type TopicSettings,
} from '@order-service/kafka';
import { createDatabase } from '@order-service/postgres';
import { RedisProjectionStore } from '@order-service/projection';
import { anUpsert } from '../../packages/projection/test/support/order-events.js';
import { KnexOrderRepository } from '../../apps/api/src/adapters/knex-order-repository.js';
import { orderEvents } from '../../apps/api/src/use-cases/order-events.js';
import { call, createTestDatabase, quietKafkaLog, startApi, type RunningApi, type TestDatabase } from '../../apps/api/test/support/api-harness.js';
import { readTopicUntil } from '../../apps/api/test/support/topic-reader.js';
import { buildApp as buildProjector, type ProjectorApp } from '../../apps/cache-projector/src/composition-root.js';
import { projectorConfigSchema } from '../../apps/cache-projector/src/config.js';
import { waitForZeroLag } from '../../apps/cache-projector/test/support/kafka-fixtures.js';
import { projectorConfig, ProjectorProcess, testLogger, type ProjectorSetting } from '../../apps/cache-projector/test/support/projector-instances.js';
import { waitFor } from '../support/wait-for.js';
import { KafkaCluster } from '../support/kafka-cluster.js';
import { testEnvironment, uniqueName } from '../support/environment.js';

const CLUSTER_FIRST_PORT = 19100;
const SINGLE_BROKER_PORT = 19120;
/** Issue 11, point 3. */
const TARGET_MS = { restartedStaticWorker: 2_000, takeover: 10_000, brokerRestart: 10_000 };
const PARTITIONS = 6;

/** The projector's own defaults for what decides failover times, so the figures are those of a default deployment. */
const DEFAULT_FAILOVER_ENVIRONMENT = {
  KAFKA_SESSION_TIMEOUT_MS: String(projectorConfigSchema.kafka.sessionTimeoutMs.default),
  PROJECTOR_RETRY_MAX_DELAY_MS: String(projectorConfigSchema.retry.maxDelayMs.default),
};

async function createTopic(admin: KafkaJS.Admin, topic: string, settings: TopicSettings): Promise<void> {
  await ensureTopics(admin, [ordersTopicSpec(topic, settings), deadLetterTopicSpec(`${topic}.dlq`, settings)]);
  await waitFor(`topic ${topic} to have leaders`, async () => (await admin.fetchTopicOffsets(topic).catch(() => [])).length === settings.partitions);
}

/**
 * A new topic's shortfalls once the broker that answers knows the topic: the
 * brokers' metadata follows a creation a moment later, and until then the
 * topic reads as missing (no partitions), which is not what is asserted.
 */
async function inspectKnownTopic(admin: KafkaJS.Admin, spec: ReturnType<typeof ordersTopicSpec>) {
  return waitFor(`topic ${spec.topic} in the metadata`, async () => {
    const shortfalls = await inspectTopics(admin, [spec]);
    return shortfalls.some((f) => f.aspect === 'partitions' && f.actual === 0) ? false : shortfalls;
  });
}

/**
 * One probe order per partition, written every 100 ms at the next version
 * (sends not awaited, so an outage does not stop the clock: they are delivered
 * in order once a broker takes them). `resumedSince(t)` is how long after `t`
 * every partition had in Redis a probe written at or after `t`.
 */
class PartitionProbes {
  readonly #sent: Array<{ version: number; at: number }> = [];
  readonly #failures: string[] = [];
  #version = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly producer: KafkaJS.Producer,
    private readonly topic: string,
    private readonly store: RedisProjectionStore,
    private readonly prefix: string,
  ) {}

  uid(partition: number): string {
    return `${this.prefix}-p${partition}`;
  }

  start(): void {
    this.#timer = setInterval(() => {
      const version = (this.#version += 1);
      this.#sent.push({ version, at: performance.now() });
      const messages = Array.from({ length: PARTITIONS }, (_, partition) => ({
        key: this.uid(partition),
        value: encodeOrderEvent(anUpsert(this.uid(partition), version)),
        partition,
      }));
      this.producer.send({ topic: this.topic, messages }).catch((error: unknown) => this.#failures.push(String(error)));
    }, 100);
  }

  stop(): string[] {
    clearInterval(this.#timer);
    return this.#failures;
  }

  async resumedSince(since: number, timeoutMs: number): Promise<number> {
    const first = await waitFor('a probe written after the moment measured', () => this.#sent.find((s) => s.at >= since), { timeoutMs, intervalMs: 20 });
    await waitFor(
      `every partition to have probe version ${first.version} in Redis`,
      async () => {
        const cached = await Promise.all(Array.from({ length: PARTITIONS }, (_, p) => this.store.get(this.uid(p))));
        return cached.every((c) => c?.state === 'present' && c.version >= first.version);
      },
      { timeoutMs, intervalMs: 20 },
    );
    return performance.now() - since;
  }
}

function report(what: string, ms: number, targetMs: number): void {
  console.log(`      ${what}: ${(ms / 1000).toFixed(2)} s (target ${targetMs / 1000} s, asserted ≤ ${(2 * targetMs) / 1000} s)`);
}

describe('Kafka as a cluster: 3 KRaft brokers started by the test (real JVMs, kill -9)', function () {
  this.timeout(300_000);
  let cluster: KafkaCluster;
  let kafka: KafkaJS.Kafka;
  let admin: KafkaJS.Admin;
  let settings: TopicSettings;
  const redis = createClient({ url: testEnvironment.redisUrl });

  before(async () => {
    cluster = await KafkaCluster.start({ firstPort: CLUSTER_FIRST_PORT, nodes: 3 });
    kafka = createKafka({ brokers: cluster.bootstrap, clientId: 'e2e-cluster', logger: quietKafkaLog });
    admin = kafka.admin();
    await Promise.all([admin.connect(), redis.connect()]);
    const brokers = await countBrokers({ brokers: cluster.bootstrap, clientId: 'e2e-cluster' });
    settings = resolveTopicSettings({ partitions: 0, replicationFactor: 0, minInsyncReplicas: 0 }, { brokers, production: false });
  });

  after(async () => {
    await admin?.disconnect().catch(() => undefined);
    if (redis.isOpen) await redis.close();
    await cluster?.stop();
  });

  async function newTopic(prefix: string): Promise<string> {
    const topic = uniqueName(prefix);
    await createTopic(admin, topic, settings);
    return topic;
  }

  it('creates topics with 3 replicas and min.insync.replicas 2 by default, and reports a topic with fewer replicas', async () => {
    expect(settings).to.deep.equal({ partitions: 6, replicationFactor: 3, minInsyncReplicas: 2 });
    const topic = await newTopic('e2e-cluster-topic');
    const [described] = await admin.fetchTopicMetadata({ topics: [topic] });
    expect(described?.partitions.map((p) => p.replicas.length)).to.deep.equal([3, 3, 3, 3, 3, 3]);
    expect(await inspectKnownTopic(admin, ordersTopicSpec(topic, settings))).to.deep.equal([]);

    const thin = uniqueName('e2e-cluster-thin');
    await createTopic(admin, thin, { partitions: 6, replicationFactor: 1, minInsyncReplicas: 1 });
    expect(await inspectKnownTopic(admin, ordersTopicSpec(thin, settings))).to.deep.equal([
      { topic: thin, aspect: 'replication_factor', configured: 3, actual: 1 },
    ]);
  });

  describe('under write load through the API, a broker killed with kill -9 and brought back', () => {
    let database: TestDatabase;
    let api: RunningApi;
    let projector: ProjectorApp;
    const keyPrefix = uniqueName('e2e-cluster');
    const groupId = uniqueName('e2e-cluster-group');
    let topic: string;

    before(async () => {
      topic = await newTopic('e2e-cluster-writes');
      database = await createTestDatabase('orders_cluster');
      api = await startApi({
        KAFKA_BROKERS: cluster.bootstrap.join(','),
        KAFKA_TOPIC: topic,
        DATABASE_URL: database.url,
        CACHE_BACKEND: 'redis',
        REDIS_KEY_PREFIX: keyPrefix,
        OUTBOX_MAX_BACKOFF_MS: '1000',
        // The load is as fast as the machine allows; the rate limiter is not what this test is about.
        RATE_LIMIT_PER_SUBJECT: '0',
        RATE_LIMIT_PER_ADDRESS: '0',
      });
      projector = buildProjector(
        projectorConfig({ topic, deadLetterTopic: `${topic}.dlq`, groupId, keyPrefix, kafkaBrokers: cluster.bootstrap }),
        testLogger(),
      );
      await projector.start();
    });

    after(async () => {
      await projector?.stop();
      await api?.stop();
      await database?.drop();
    });

    it('loses no acknowledged write: every one reaches the topic and Redis (0 mismatches), and writes are acknowledged throughout', async () => {
      const acknowledged: number[] = [];
      const failures: string[] = [];
      const versions = new Map<string, number>();
      let writing = true;
      let next = 0;
      const writer = async (): Promise<void> => {
        while (writing) {
          const uid = `${keyPrefix}-${next++}`;
          const created = await call(api.url, 'POST', '/orders', { json: anOrder().with({ order_uid: uid }).build() });
          if (created.status !== 201) failures.push(`POST ${uid}: ${created.status}`);
          else {
            acknowledged.push(performance.now());
            versions.set(uid, 1);
          }
          if (next % 3 === 0 && created.status === 201) {
            const replaced = await call(api.url, 'PUT', `/orders/${uid}`, { json: anOrder().with({ order_uid: uid, entry: 'V2' }).build() });
            if (replaced.status !== 200) failures.push(`PUT ${uid}: ${replaced.status}`);
            else {
              acknowledged.push(performance.now());
              versions.set(uid, 2);
            }
          }
        }
      };
      const writers = Array.from({ length: 4 }, writer);

      await sleep(2_000);
      // The broker that leads partition 0 (node ids are 1..3 in port order), so the kill moves a leadership.
      const [metadata] = await admin.fetchTopicMetadata({ topics: [topic] });
      const victim = metadata?.partitions.find((p) => p.partitionId === 0)?.leader ?? 1;
      const killedAt = performance.now();
      await cluster.kill(victim);
      await sleep(4_000);
      await cluster.restart(victim);
      const backAt = performance.now();
      await sleep(2_000);
      writing = false;
      await Promise.all(writers);

      expect(failures, 'every write acknowledged').to.deep.equal([]);
      const duringOutage = acknowledged.filter((t) => t >= killedAt && t <= backAt).length;
      const sorted = [...acknowledged].sort((a, b) => a - b);
      const longestGapMs = Math.max(...sorted.slice(1).map((t, i) => t - (sorted[i] as number)));
      console.log(
        `      ${acknowledged.length} writes acknowledged, ${duringOutage} while broker ${victim} was down (${((backAt - killedAt) / 1000).toFixed(1)} s); longest pause between two: ${longestGapMs.toFixed(0)} ms`,
      );
      expect(duringOutage, 'writes acknowledged while the broker was down').to.be.above(20);
      expect(longestGapMs, 'no pause in acknowledgements').to.be.below(1_000);

      const db = createDatabase({ url: database.url, poolMax: 4 });
      try {
        await waitFor('the outbox to empty', async () => Number((await db('outbox').count({ n: '*' }))[0]?.n) === 0, { timeoutMs: 60_000 });
        const highest = new Map<string, number>();
        let seen = 0;
        await readTopicUntil(
          topic,
          (records) => {
            for (const r of records.slice(seen)) highest.set(r.key, Math.max(highest.get(r.key) ?? 0, Number(r.headers['order-version'])));
            seen = records.length;
            return [...versions].every(([uid, version]) => (highest.get(uid) ?? 0) >= version);
          },
          { brokers: cluster.bootstrap, timeoutMs: 60_000 },
        );
        await waitForZeroLag(admin, groupId, topic, 60_000);
        const orders = new KnexOrderRepository(db, orderEvents);
        const cache = new RedisProjectionStore(redis, { keyPrefix, tombstoneTtlSeconds: 60 });
        const mismatches: string[] = [];
        for (const uid of versions.keys()) {
          const [stored, cached] = await Promise.all([orders.get(uid), cache.get(uid)]);
          if (
            !stored ||
            stored.version !== versions.get(uid) ||
            cached?.state !== 'present' ||
            cached.version !== stored.version ||
            cached.json !== JSON.stringify(stored.order)
          ) {
            mismatches.push(uid);
          }
        }
        expect(mismatches, `mismatches of ${versions.size} orders`).to.deep.equal([]);
      } finally {
        await db.destroy();
      }
    });
  });

  describe('failover of projector workers (child processes, static membership)', () => {
    const producer = () => kafka.producer(reliableProducerConfig());
    const running: ProjectorProcess[] = [];
    const start = (setting: ProjectorSetting, instance: string): ProjectorProcess => {
      const worker = ProjectorProcess.start({ ...setting, groupInstanceId: instance }, DEFAULT_FAILOVER_ENVIRONMENT);
      running.push(worker);
      return worker;
    };

    afterEach(async () => {
      await Promise.all(running.splice(0).map((w) => w.kill('SIGKILL')));
    });

    async function scenario(prefix: string): Promise<{ setting: ProjectorSetting; probes: PartitionProbes; done: () => Promise<string[]> }> {
      const topic = await newTopic(prefix);
      const keyPrefix = uniqueName(prefix);
      const setting: ProjectorSetting = {
        topic,
        deadLetterTopic: `${topic}.dlq`,
        groupId: uniqueName(`${prefix}-group`),
        keyPrefix,
        kafkaBrokers: cluster.bootstrap,
      };
      const p = producer();
      await p.connect();
      const probes = new PartitionProbes(p, topic, new RedisProjectionStore(redis, { keyPrefix, tombstoneTtlSeconds: 60 }), keyPrefix);
      probes.start();
      return {
        setting,
        probes,
        done: async () => {
          const failures = probes.stop();
          await p.disconnect();
          return failures;
        },
      };
    }

    it(`a static worker killed with kill -9 and started again resumes within ${TARGET_MS.restartedStaticWorker / 1000} s of its start`, async () => {
      const { setting, probes, done } = await scenario('e2e-restart');
      const first = start(setting, 'projector-1');
      await probes.resumedSince(performance.now(), 60_000);
      await first.kill('SIGKILL');
      const startedAt = performance.now();
      const wallStart = Date.now();
      const second = start(setting, 'projector-1');
      const ms = await probes.resumedSince(startedAt, 30_000);
      const assigned = second.output
        .split('\n')
        .filter((l) => l.includes('"msg":"partitions assigned"'))
        .map((l) => Date.parse((JSON.parse(l) as { time: string }).time) - wallStart)[0];
      report(
        `restarted static worker: from its start to every partition projected again (partitions back at +${assigned} ms)`,
        ms,
        TARGET_MS.restartedStaticWorker,
      );
      expect(await done()).to.deep.equal([]);
      expect(ms).to.be.at.most(2 * TARGET_MS.restartedStaticWorker);
    });

    it(`a worker killed for good has its partitions taken over by the other within ${TARGET_MS.takeover / 1000} s`, async () => {
      const { setting, probes, done } = await scenario('e2e-takeover');
      const doomed = start(setting, 'projector-1');
      await probes.resumedSince(performance.now(), 60_000);
      const survivor = start(setting, 'projector-2');
      // Both own partitions: the survivor logged an assignment that names some.
      const ownsPartitions = (): boolean =>
        survivor.output.split('\n').some((line) => line.includes('"msg":"partitions assigned"') && line.includes('"partitions":[{'));
      await waitFor('the second worker to own partitions', ownsPartitions, {
        timeoutMs: 60_000,
        describe: () => survivor.output,
      });
      await probes.resumedSince(performance.now(), 30_000);
      await doomed.kill('SIGKILL');
      const killedAt = performance.now();
      const ms = await probes.resumedSince(killedAt, 40_000);
      report('worker killed for good: from the kill to its partitions projected by the other', ms, TARGET_MS.takeover);
      expect(await done()).to.deep.equal([]);
      expect(ms).to.be.at.most(2 * TARGET_MS.takeover);
    });
  });
});

describe('a broker restart (a single broker started by the test, real JVM, kill -9)', function () {
  this.timeout(180_000);
  let broker: KafkaCluster;
  let worker: ProjectorProcess | undefined;

  before(async () => {
    broker = await KafkaCluster.start({ firstPort: SINGLE_BROKER_PORT, nodes: 1 });
  });

  after(async () => {
    await worker?.kill('SIGKILL');
    await broker?.stop();
  });

  it(`projection resumes within ${TARGET_MS.brokerRestart / 1000} s of the broker accepting connections again`, async () => {
    const kafka = createKafka({ brokers: broker.bootstrap, clientId: 'e2e-broker-restart', logger: quietKafkaLog });
    const admin = kafka.admin();
    const producer = kafka.producer(reliableProducerConfig(60_000));
    const redis = createClient({ url: testEnvironment.redisUrl });
    await Promise.all([admin.connect(), producer.connect(), redis.connect()]);
    try {
      const topic = uniqueName('e2e-broker-restart');
      await createTopic(admin, topic, { partitions: PARTITIONS, replicationFactor: 1, minInsyncReplicas: 1 });
      const keyPrefix = uniqueName('e2e-broker-restart');
      const probes = new PartitionProbes(producer, topic, new RedisProjectionStore(redis, { keyPrefix, tombstoneTtlSeconds: 60 }), keyPrefix);
      probes.start();
      worker = ProjectorProcess.start(
        {
          topic,
          deadLetterTopic: `${topic}.dlq`,
          groupId: uniqueName('e2e-broker-restart-group'),
          keyPrefix,
          kafkaBrokers: broker.bootstrap,
          groupInstanceId: 'projector-1',
        },
        DEFAULT_FAILOVER_ENVIRONMENT,
      );
      await probes.resumedSince(performance.now(), 60_000);
      await broker.kill(1);
      await sleep(3_000);
      await broker.restart(1);
      const acceptingAt = performance.now();
      const ms = await probes.resumedSince(acceptingAt, 40_000);
      report('broker restart: from the broker accepting connections to every partition projected again', ms, TARGET_MS.brokerRestart);
      expect(probes.stop(), 'every probe delivered').to.deep.equal([]);
      expect(ms).to.be.at.most(2 * TARGET_MS.brokerRestart);
    } finally {
      await Promise.all([admin.disconnect(), producer.disconnect(), redis.close()]);
    }
  });
});
