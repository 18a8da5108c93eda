import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { reliableProducerConfig } from '@order-service/kafka';
import { RedisProjectionStore } from '@order-service/projection';
import { expect } from 'chai';
import { createClient } from 'redis';
import { testEnvironment, uniqueName } from '../../../../test/support/environment.js';
import type { ProjectorApp } from '../../src/composition-root.js';
import { replayCache, type ReplayOptions } from '../../src/replay/replay-cache.js';
import { ReplayInterrupted } from '../../src/replay/replay-errors.js';
import { createTopics, deleteGroup, deleteTopics, produceEvents, testKafka, waitForZeroLag } from '../support/kafka-fixtures.js';
import { expectedEntries, findMismatches, inRounds, orderHistories, seededRandom, type OrderHistory } from '../support/order-histories.js';
import { startProjector, testLogger, type ProjectorSetting } from '../support/projector-instances.js';
import { waitFor } from '../../../../test/support/wait-for.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const TTL_SECONDS = 3600;
/** A database of its own, so the test may FLUSHDB it; nothing else uses it. */
const FLUSHABLE_REDIS_URL = withDatabase(testEnvironment.redisUrl, 14);

describe('cache projector: replay (real Kafka and Redis)', function () {
  this.timeout(90_000);

  const kafka = testKafka();
  const admin = kafka.admin();
  const producer = kafka.producer(reliableProducerConfig());
  const redis = createClient({ url: testEnvironment.redisUrl });
  let setting: ProjectorSetting;
  let store: RedisProjectionStore;
  let apps: ProjectorApp[];

  function replayOptions(overrides: Partial<ReplayOptions> = {}): ReplayOptions {
    return {
      brokers: testEnvironment.kafkaBrokers,
      topic: setting.topic,
      redisUrl: testEnvironment.redisUrl,
      keyPrefix: setting.keyPrefix,
      tombstoneTtlSeconds: TTL_SECONDS,
      batchSize: 500,
      logger: testLogger(),
      groupIdPrefix: setting.groupId,
      ...overrides,
    };
  }

  /** Writes the histories, and has a live projector apply them. */
  async function projectLive(histories: readonly OrderHistory[], overrides: Partial<ProjectorSetting> = {}): Promise<ProjectorApp> {
    await produceEvents(producer, setting.topic, histories.flat(), { chunk: 1_000 });
    const app = await startProjector({ ...setting, ...overrides });
    apps.push(app);
    await waitForZeroLag(admin, setting.groupId, setting.topic);
    return app;
  }

  before(async () => {
    await Promise.all([admin.connect(), producer.connect(), redis.connect()]);
  });

  beforeEach(async () => {
    setting = {
      topic: uniqueName('it-replay'),
      deadLetterTopic: uniqueName('it-replay-dlq'),
      groupId: uniqueName('it-replay-group'),
      keyPrefix: uniqueName('it-replay'),
    };
    store = new RedisProjectionStore(redis, { keyPrefix: setting.keyPrefix, tombstoneTtlSeconds: TTL_SECONDS });
    apps = [];
    await createTopics(admin, setting.topic, setting.deadLetterTopic);
  });

  afterEach(async () => {
    await Promise.all(apps.map((app) => app.stop()));
    await deleteTopics(admin, [setting.topic, setting.deadLetterTopic]);
    await deleteGroup(admin, setting.groupId);
    for await (const keys of redis.scanIterator({ MATCH: `${setting.keyPrefix}:*`, COUNT: 1000 })) {
      if (keys.length > 0) await redis.unlink(keys);
    }
  });

  after(async () => {
    await Promise.all([admin.disconnect(), producer.disconnect(), redis.close()]);
  });

  it('restores every order after FLUSHDB', async () => {
    const histories = orderHistories(2_000, { prefix: uniqueName('flush'), random: seededRandom(21) });
    const expected = expectedEntries(histories);
    const flushable = createClient({ url: FLUSHABLE_REDIS_URL });
    await flushable.connect();
    try {
      const flushableStore = new RedisProjectionStore(flushable, { keyPrefix: setting.keyPrefix, tombstoneTtlSeconds: TTL_SECONDS });
      const live = await projectLive(histories, { redisUrl: FLUSHABLE_REDIS_URL });
      await live.stop();
      expect((await findMismatches(flushableStore, expected)).count).to.equal(0);

      await flushable.flushDb();
      expect((await findMismatches(flushableStore, expected)).count, 'nothing left after FLUSHDB').to.equal(expected.size);

      const summary = await replayCache(replayOptions({ redisUrl: FLUSHABLE_REDIS_URL }));

      expect(await findMismatches(flushableStore, expected)).to.deep.equal({ count: 0, examples: [] });
      expect(summary).to.include({ events: histories.flat().length, undecodable: 0, fromGeneration: 0, keysDropped: 0 });
      expect(summary.toGeneration).to.be.greaterThan(0);
      expect(await flushableStore.liveGeneration()).to.equal(summary.toGeneration);
      expect(await flushableStore.buildingGeneration()).to.equal(null);
    } finally {
      await flushable.flushDb();
      await flushable.close();
    }
  });

  it('rebuilds under live writes: readers never miss an order, and the cache ends exact', async () => {
    const seed = Date.now();
    const histories = orderHistories(2_000, { prefix: uniqueName('live'), random: seededRandom(seed) });
    const [firstRound = [], ...laterRounds] = inRounds(histories);
    await projectLive(histories.map((history) => history.slice(0, 1)));
    const uids = firstRound.map((event) => event.order_uid);
    const liveBefore = await store.liveGeneration();

    const reader = pollReads(store, uids, seededRandom(seed + 1));
    const writing = (async () => {
      for (const round of laterRounds) await produceEvents(producer, setting.topic, round, { chunk: 100, pauseMs: 50 });
    })();
    const summary = await replayCache(replayOptions({ batchSize: 100 }));
    await writing;
    await waitForZeroLag(admin, setting.groupId, setting.topic);
    const reads = await reader.stop();

    expect(reads.misses, `reads that found no entry, of ${reads.total}`).to.equal(0);
    expect(reads.total).to.be.greaterThan(100);
    expect(await findMismatches(store, expectedEntries(histories)), `seed ${seed}`).to.deep.equal({ count: 0, examples: [] });
    expect(summary.fromGeneration).to.equal(liveBefore);
    expect(await store.liveGeneration()).to.equal(summary.toGeneration);
    expect(summary.keysDropped, 'the old generation held every order').to.equal(uids.length);
    expect(await countKeys(redis, `${setting.keyPrefix}:g${summary.fromGeneration}:order:*`), 'keys left in the old generation').to.equal(0);
  });

  it('interrupted, drops the generation it was building and leaves the live cache as it was', async () => {
    const histories = orderHistories(2_000, { prefix: uniqueName('stop'), random: seededRandom(23), maxVersions: 1 });
    await projectLive(histories);
    const liveBefore = await store.liveGeneration();
    const interruption = new AbortController();

    const replay = replayCache(
      replayOptions({
        batchSize: 20,
        signal: interruption.signal,
        progressIntervalMs: 20,
        onProgress: (progress) => {
          if (progress.done > 0) interruption.abort('test');
        },
      }),
    );

    await expect(replay).to.be.rejectedWith(ReplayInterrupted);
    expect(await store.liveGeneration()).to.equal(liveBefore);
    expect(await store.buildingGeneration()).to.equal(null);
    expect(await countKeys(redis, `${setting.keyPrefix}:g*:order:*`), 'keys of any generation').to.equal(
      await countKeys(redis, `${setting.keyPrefix}:g${liveBefore}:order:*`),
    );
    expect(await findMismatches(store, expectedEntries(histories))).to.deep.equal({ count: 0, examples: [] });
  });

  it('with two worker processes splitting the partitions, rebuilds under live writes and ends exact', async () => {
    const histories = orderHistories(2_000, { prefix: uniqueName('workers'), random: seededRandom(31) });
    const [firstRound = [], ...laterRounds] = inRounds(histories);
    await projectLive(firstRound.map((event) => [event]));
    const liveBefore = await store.liveGeneration();
    const writing = (async () => {
      for (const round of laterRounds) await produceEvents(producer, setting.topic, round, { chunk: 100, pauseMs: 50 });
    })();
    const progress: number[] = [];

    const summary = await replayCache(replayOptions({ workers: 2, batchSize: 100, progressIntervalMs: 50, onProgress: (p) => progress.push(p.done) }));
    await writing;
    await waitForZeroLag(admin, setting.groupId, setting.topic);

    expect(await findMismatches(store, expectedEntries(histories))).to.deep.equal({ count: 0, examples: [] });
    expect(summary.fromGeneration).to.equal(liveBefore);
    expect(summary.toGeneration).to.be.greaterThan(liveBefore);
    expect(await store.liveGeneration()).to.equal(summary.toGeneration);
    expect(summary.events).to.be.at.least(firstRound.length);
    expect(progress.at(-1), 'progress reached the end offsets').to.be.at.least(firstRound.length);
    expect(await countKeys(redis, `${setting.keyPrefix}:g${summary.fromGeneration}:order:*`), 'keys left in the old generation').to.equal(0);
  });

  it('with two worker processes, interrupted, stops them and leaves the live cache as it was', async () => {
    const histories = orderHistories(2_000, { prefix: uniqueName('workers-stop'), random: seededRandom(37), maxVersions: 1 });
    await projectLive(histories);
    const liveBefore = await store.liveGeneration();
    const interruption = new AbortController();

    const replay = replayCache(
      replayOptions({
        workers: 2,
        batchSize: 10,
        signal: interruption.signal,
        progressIntervalMs: 20,
        onProgress: (progress) => {
          if (progress.done > 0) interruption.abort('test');
        },
      }),
    );

    await expect(replay).to.be.rejectedWith(ReplayInterrupted);
    expect(await store.liveGeneration()).to.equal(liveBefore);
    expect(await store.buildingGeneration()).to.equal(null);
    expect(await countKeys(redis, `${setting.keyPrefix}:g*:order:*`), 'keys of any generation').to.equal(
      await countKeys(redis, `${setting.keyPrefix}:g${liveBefore}:order:*`),
    );
    expect(await findMismatches(store, expectedEntries(histories))).to.deep.equal({ count: 0, examples: [] });
  });

  it('runs from scripts/replay-cache, ending with a summary; SIGINT stops it with the live cache untouched', async () => {
    const histories = orderHistories(2_000, { prefix: uniqueName('cli'), random: seededRandom(29), maxVersions: 1 });
    await projectLive(histories);
    const args = ['--topic', setting.topic, '--redis-url', testEnvironment.redisUrl, '--key-prefix', setting.keyPrefix];

    const done = await runReplayScript([...args, '--batch-size', '500']);
    expect(done.code, done.output).to.equal(0);
    const summary = done.lines.find((line) => line['msg'] === 'replay finished');
    expect(summary, done.output).to.include({ events: histories.length, undecodable: 0 });
    expect(await store.liveGeneration()).to.equal(summary?.['to_generation']);

    const liveBefore = await store.liveGeneration();
    const stopped = await runReplayScript([...args, '--batch-size', '5'], (output) => output.includes('"msg":"building generation"'));
    expect(stopped.code, stopped.output).to.equal(130);
    expect(stopped.lines.map((line) => line['msg'])).to.include('replay interrupted; live cache untouched');
    expect(await store.liveGeneration()).to.equal(liveBefore);
    expect(await store.buildingGeneration()).to.equal(null);
    expect(await findMismatches(store, expectedEntries(histories))).to.deep.equal({ count: 0, examples: [] });
  });
});

/** Reads random orders, 20 at a time, until stopped; counts reads that found no entry at all. */
function pollReads(store: RedisProjectionStore, uids: readonly string[], random: () => number): { stop(): Promise<{ total: number; misses: number }> } {
  let running = true;
  const counts = { total: 0, misses: 0 };
  const loop = (async () => {
    while (running) {
      const picked = Array.from({ length: 20 }, () => uids[Math.floor(random() * uids.length)]!);
      const entries = await Promise.all(picked.map((uid) => store.get(uid)));
      counts.total += entries.length;
      counts.misses += entries.filter((entry) => entry === null).length;
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return counts;
    },
  };
}

async function countKeys(client: ReturnType<typeof createClient>, pattern: string): Promise<number> {
  let count = 0;
  for await (const keys of client.scanIterator({ MATCH: pattern, COUNT: 1000 })) count += keys.length;
  return count;
}

/**
 * Runs scripts/replay-cache with pipes (not a terminal, so it logs JSON lines);
 * sends SIGINT once `interruptWhen` is true of the output so far.
 */
async function runReplayScript(
  args: string[],
  interruptWhen?: (output: string) => boolean,
): Promise<{ code: number | null; output: string; lines: Array<Record<string, unknown>> }> {
  const child = spawn('scripts/replay-cache', args, { cwd: ROOT, env: { ...process.env, LOG_LEVEL: 'info' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let interrupted = false;
  const collect = (chunk: Buffer): void => {
    output += chunk.toString('utf8');
    if (interruptWhen && !interrupted && interruptWhen(output)) {
      interrupted = true;
      child.kill('SIGINT');
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const [code] = (await once(child, 'exit')) as [number | null];
  await waitFor('the output to be read', () => child.stdout.readableEnded && child.stderr.readableEnded, { timeoutMs: 2_000, intervalMs: 20 });
  const lines = output
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { code, output, lines };
}

function withDatabase(url: string, database: number): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}
