import { EVENT_HEADERS } from '@order-service/contracts';
import { headerText, reliableProducerConfig, type KafkaJS } from '@order-service/kafka';
import { RedisProjectionStore } from '@order-service/projection';
import { expect } from 'chai';
import { createClient } from 'redis';
import { testEnvironment, uniqueName } from '../../../../test/support/environment.js';
import { anUpsert } from '../../../../packages/projection/test/support/order-events.js';
import type { ProjectorApp } from '../../src/composition-root.js';
import {
  committedOffsets,
  createTopics,
  deleteGroup,
  deleteTopics,
  endOffsets,
  produceEvents,
  testKafka,
  toRecord,
  waitForBalancedGroup,
  waitForZeroLag,
} from '../support/kafka-fixtures.js';
import { expectedEntries, findMismatches, inRounds, orderHistories, seededRandom } from '../support/order-histories.js';
import { ProjectorProcess, startProjector, type ProjectorSetting } from '../support/projector-instances.js';
import { waitFor } from '../../../../test/support/wait-for.js';

const TTL_SECONDS = 3600;

describe('cache projector: order events consumer (real Kafka and Redis)', function () {
  this.timeout(90_000);

  const kafka = testKafka();
  const admin = kafka.admin();
  const producer = kafka.producer(reliableProducerConfig());
  const redis = createClient({ url: testEnvironment.redisUrl });
  let setting: ProjectorSetting;
  let store: RedisProjectionStore;
  let apps: ProjectorApp[];
  let children: ProjectorProcess[];

  async function startApp(overrides: Partial<ProjectorSetting> = {}): Promise<ProjectorApp> {
    const app = await startProjector({ ...setting, ...overrides });
    apps.push(app);
    return app;
  }

  before(async () => {
    await Promise.all([admin.connect(), producer.connect(), redis.connect()]);
  });

  beforeEach(async () => {
    setting = {
      topic: uniqueName('it-projector'),
      deadLetterTopic: uniqueName('it-projector-dlq'),
      groupId: uniqueName('it-projector-group'),
      keyPrefix: uniqueName('it-projector'),
    };
    store = new RedisProjectionStore(redis, { keyPrefix: setting.keyPrefix, tombstoneTtlSeconds: TTL_SECONDS });
    apps = [];
    children = [];
    await createTopics(admin, setting.topic, setting.deadLetterTopic);
  });

  afterEach(async () => {
    await Promise.all([...apps.map((app) => app.stop()), ...children.map((child) => child.kill('SIGKILL'))]);
    await deleteTopics(admin, [setting.topic, setting.deadLetterTopic]);
    await deleteGroup(admin, setting.groupId);
    for await (const keys of redis.scanIterator({ MATCH: `${setting.keyPrefix}:*`, COUNT: 1000 })) {
      if (keys.length > 0) await redis.unlink(keys);
    }
  });

  after(async () => {
    await Promise.all([admin.disconnect(), producer.disconnect(), redis.close()]);
  });

  it('with workers joining and leaving the group under load, ends with every order in its final state', async () => {
    const seed = Date.now();
    const histories = orderHistories(2_000, { prefix: uniqueName('o'), random: seededRandom(seed) });
    const rounds = inRounds(histories);
    const total = rounds.reduce((sum, round) => sum + round.length, 0);

    // The writer spreads the rounds over a few seconds while workers join and leave.
    const writing = (async () => {
      for (const round of rounds) await produceEvents(producer, setting.topic, round, { chunk: 100, pauseMs: 100 });
    })();
    const first = await startApp();
    const second = await startApp();
    await waitForBalancedGroup(admin, setting.groupId, 2);
    await second.stop();
    await waitForBalancedGroup(admin, setting.groupId, 1);
    const third = await startApp();
    await waitForBalancedGroup(admin, setting.groupId, 2);
    await writing;
    await waitForZeroLag(admin, setting.groupId, setting.topic);

    const mismatches = await findMismatches(store, expectedEntries(histories));
    expect(mismatches, `seed ${seed}`).to.deep.equal({ count: 0, examples: [] });
    const handled = apps.reduce((sum, app) => sum + app.counters.applied + app.counters.stale, 0);
    expect(handled, 'events handled by all workers').to.be.at.least(total);
    expect(first.counters.applied, 'events applied by the first worker').to.be.greaterThan(0);
    expect(third.counters.applied + third.counters.stale, 'events handled by the worker that joined last').to.be.greaterThan(0);
  });

  it('sends records that are not events to the dead-letter topic with the reason, and moves on to the valid event after them', async () => {
    const uid = uniqueName('poison');
    const garbage = Buffer.from([0xff, 0xfe, 0x00, 0x13, 0x37]);
    const invalid = Buffer.from(JSON.stringify({ ...anUpsert(uid, 1), version: 0 }), 'utf8');
    const valid = anUpsert(uid, 1);
    // One send, one key: the three records land on one partition, in this order, first in it.
    const [written] = await producer.send({
      topic: setting.topic,
      messages: [{ key: uid, value: garbage, headers: { origin: 'test' } }, { key: uid, value: invalid }, toRecord(valid)],
    });
    await producer.send({ topic: setting.topic, messages: [{ key: uniqueName('compacted'), value: null }] });

    const app = await startApp();

    await waitFor('the valid event after the poison records to be applied', async () => (await store.get(uid))?.version === 1);
    await waitForZeroLag(admin, setting.groupId, setting.topic);
    expect(app.counters.deadLettered).to.equal(2);
    expect(app.counters.tombstones).to.equal(1);

    const letters = await readAll(kafka, setting.deadLetterTopic, 2);
    const partition = written?.partition;
    const headersOf = (message: KafkaJS.KafkaMessage | undefined, name: string): string | undefined => headerText(message?.headers, name);
    expect(letters.map(({ message }) => headersOf(message, EVENT_HEADERS.dlqReason))).to.deep.equal(['not-json', 'invalid']);
    expect(letters.map(({ message }) => headersOf(message, EVENT_HEADERS.dlqSourceTopic))).to.deep.equal([setting.topic, setting.topic]);
    expect(letters.map(({ message }) => headersOf(message, EVENT_HEADERS.dlqSourcePartition))).to.deep.equal([String(partition), String(partition)]);
    expect(letters.map(({ message }) => headersOf(message, EVENT_HEADERS.dlqSourceOffset))).to.deep.equal(['0', '1']);
    expect(headersOf(letters[1]?.message, EVENT_HEADERS.dlqError)).to.include('/version');
    expect(headersOf(letters[0]?.message, 'origin'), 'the original headers are kept').to.equal('test');
    expect(letters.map(({ message }) => message.value)).to.deep.equal([garbage, invalid]);
    expect(letters.map(({ message }) => message.key?.toString('utf8'))).to.deep.equal([uid, uid]);
  });

  it('publishes the uids and versions of every applied batch on the invalidation channel', async () => {
    const histories = orderHistories(200, { prefix: uniqueName('inv'), random: seededRandom(7), deleteShare: 0.2 });
    const subscriber = redis.duplicate();
    const latest = new Map<string, number>();
    const channel = `${setting.keyPrefix}:invalidate`;
    await subscriber.connect();
    try {
      await subscriber.subscribe(channel, (text) => {
        const message = JSON.parse(text) as { uids: string[]; versions: number[] };
        expect(message.uids).to.have.length(message.versions.length);
        message.uids.forEach((uid, i) => latest.set(uid, Math.max(latest.get(uid) ?? 0, message.versions[i] ?? 0)));
      });
      await startApp({ invalidationChannel: channel });
      await produceEvents(producer, setting.topic, histories.flat());

      const want = new Map(histories.map((history) => [history[0]!.order_uid, history.length]));
      await waitFor('an invalidation of every order at its last version', () => [...want].every(([uid, version]) => latest.get(uid) === version), {
        describe: () => `${[...want].filter(([uid, version]) => latest.get(uid) !== version).length} orders missing`,
      });
    } finally {
      await subscriber.close();
    }
  });

  it('commits nothing while Redis cannot be reached, and a healthy worker then applies everything', async () => {
    const histories = orderHistories(300, { prefix: uniqueName('down'), random: seededRandom(11) });
    await produceEvents(producer, setting.topic, histories.flat());

    const broken = await startApp({ redisUrl: 'redis://127.0.0.1:1/15' });
    await waitFor('batches to fail a few times', () => broken.counters.failedAttempts >= 3);
    expect([...(await committedOffsets(admin, setting.groupId, setting.topic)).values()].filter((offset) => offset >= 0)).to.deep.equal([]);
    const stopStarted = Date.now();
    await broken.stop();
    expect(Date.now() - stopStarted, 'stop gives up a retry in progress at once').to.be.below(5_000);
    expect(broken.counters.batches).to.equal(0);
    expect([...(await committedOffsets(admin, setting.groupId, setting.topic)).values()].filter((offset) => offset >= 0)).to.deep.equal([]);

    await startApp();
    await waitForZeroLag(admin, setting.groupId, setting.topic);
    expect(await findMismatches(store, expectedEntries(histories))).to.deep.equal({ count: 0, examples: [] });
  });

  it('commits on SIGTERM what it applied, and the next member of the group starts from there', async () => {
    // One version per order: every record is a distinct order, so records applied = orders present.
    const histories = orderHistories(4_000, { prefix: uniqueName('term'), random: seededRandom(13), maxVersions: 1 });
    await produceEvents(producer, setting.topic, histories.flat(), { chunk: 1_000 });
    const ends = await endOffsets(admin, setting.topic);
    const total = [...ends.values()].reduce((a, b) => a + b, 0);

    const child = ProjectorProcess.start({ ...setting, maxBatchSize: 25 });
    children.push(child);
    await waitFor(
      'the worker to commit its first batches',
      async () => [...(await committedOffsets(admin, setting.groupId, setting.topic)).values()].some((offset) => offset > 0),
      { describe: () => child.output },
    );
    const exit = await child.kill('SIGTERM');
    expect(exit, child.output).to.deep.equal({ code: 0, signal: null });

    const committed = await committedOffsets(admin, setting.groupId, setting.topic);
    const committedTotal = [...committed.values()].reduce((sum, offset) => sum + Math.max(0, offset), 0);
    const present = (await Promise.all(histories.map((history) => store.get(history[0]!.order_uid)))).filter((entry) => entry !== null).length;
    expect(present, 'orders in Redis = records committed: everything applied was committed, nothing more').to.equal(committedTotal);

    const next = await startApp();
    await waitForZeroLag(admin, setting.groupId, setting.topic);
    expect(next.counters.applied + next.counters.stale, 'records the next member handled').to.equal(total - committedTotal);
    expect(next.counters.stale, 'nothing applied twice').to.equal(0);
    expect(await findMismatches(store, expectedEntries(histories))).to.deep.equal({ count: 0, examples: [] });
  });
});

/** The first `count` records of a topic, in partition and offset order. */
async function readAll(kafka: KafkaJS.Kafka, topic: string, count: number): Promise<Array<{ partition: number; message: KafkaJS.KafkaMessage }>> {
  const consumer = kafka.consumer({ kafkaJS: { groupId: uniqueName('it-dlq-reader'), fromBeginning: true, autoCommit: false } });
  const seen: Array<{ partition: number; message: KafkaJS.KafkaMessage }> = [];
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic] });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push({ partition, message });
      },
    });
    await waitFor(`${count} records on ${topic}`, () => seen.length >= count);
    return seen.sort((a, b) => a.partition - b.partition || Number(a.message.offset) - Number(b.message.offset)).slice(0, count);
  } finally {
    await consumer.disconnect();
  }
}
