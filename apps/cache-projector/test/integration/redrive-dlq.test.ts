// The dead-letter redrive against real Kafka and Redis: a poison record is reported and left; a record that decodes
// is sent back and applied; a second --apply sends nothing.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { createClient } from 'redis';
import { EVENT_HEADERS } from '@order-service/contracts';
import { RedisProjectionStore } from '@order-service/projection';
import { testEnvironment, uniqueName } from '../../../../test/support/environment.js';
import { anUpsert } from '../../../../packages/projection/test/support/order-events.js';
import { buildApp, type ProjectorApp } from '../../src/composition-root.js';
import { readTopic } from '../../src/redrive/read-topic.js';
import { ledgerTopicOf } from '../../src/redrive/redrive-dead-letters.js';
import { createTopics, deleteTopics, testKafka, toRecord } from '../support/kafka-fixtures.js';
import { projectorConfig, testLogger } from '../support/projector-instances.js';
import { waitFor } from '../../../../test/support/wait-for.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

interface RedriveOutput {
  total: number;
  byReason: Record<string, number>;
  oldestMs: number | null;
  newestMs: number | null;
  toRedrive: number;
  alreadyRedriven: number;
  undecodable: number;
  applied: boolean;
  redriven: number;
}

describe('scripts/redrive-dlq (real Kafka and Redis)', function () {
  this.timeout(90_000);
  const topic = uniqueName('it-redrive');
  const deadLetterTopic = `${topic}.dlq`;
  const keyPrefix = uniqueName('redrive');
  const kafka = testKafka();
  const admin = kafka.admin();
  const producer = kafka.producer();
  const redis = createClient({ url: testEnvironment.redisUrl });
  const store = new RedisProjectionStore(redis, { keyPrefix, tombstoneTtlSeconds: 60 });
  let app: ProjectorApp;

  /** The command as an operator runs it (not on a terminal: JSON log lines, then the summary as one JSON line, on stdout). */
  const redrive = async (...args: string[]): Promise<{ summary: RedriveOutput; log: string }> => {
    const { stdout } = await promisify(execFile)(`${ROOT}scripts/redrive-dlq`, args, {
      cwd: ROOT,
      env: { ...process.env, KAFKA_BROKERS: testEnvironment.kafkaBrokers.join(','), KAFKA_TOPIC: topic, KAFKA_DLQ_TOPIC: deadLetterTopic, LOG_LEVEL: 'info' },
    });
    return { summary: JSON.parse(stdout.trim().split('\n').at(-1)!) as RedriveOutput, log: stdout };
  };

  before(async () => {
    await Promise.all([admin.connect(), producer.connect(), redis.connect()]);
    await createTopics(admin, topic, deadLetterTopic);
    app = buildApp(projectorConfig({ topic, deadLetterTopic, groupId: uniqueName('redrive-group'), keyPrefix }), testLogger());
    await app.start();
  });
  after(async () => {
    await app?.stop();
    await producer.disconnect();
    await deleteTopics(admin, [topic, deadLetterTopic, ledgerTopicOf(deadLetterTopic)]);
    await admin.disconnect();
    await redis.close();
  });

  it('reports a poison record and leaves it; sends back a record that decodes, once, and the projection applies it', async () => {
    // A poison record: the projector parks it in the dead-letter topic.
    await producer.send({ topic, messages: [{ key: 'poison-1', value: 'not an event' }] });
    await waitFor('the poison record to be dead-lettered', async () => app.counters.deadLettered === 1);

    const dry = await redrive();
    expect(dry.summary).to.include({ total: 1, toRedrive: 0, undecodable: 1, applied: false, redriven: 0 });
    expect(dry.summary.byReason).to.deep.equal({ 'not-json': 1 });
    expect(dry.summary.oldestMs).to.be.a('number').and.equal(dry.summary.newestMs);
    expect(dry.log).to.include('redrive dry run finished');

    const left = await redrive('--apply');
    expect(left.summary).to.include({ total: 1, toRedrive: 0, undecodable: 1, applied: true, redriven: 0 });

    // The cause fixed: the test stands in for a record parked by an earlier projector build that could not read it
    // and that this build decodes (no build of the projector here dead-letters a valid event), parked as the
    // projector parks records: the original key, value and headers plus the dlq-* headers.
    const uid = uniqueName('redriven').replace(/[^A-Za-z0-9_-]/g, '');
    const parked = toRecord(anUpsert(uid, 3, 'req-redrive'));
    await producer.send({
      topic: deadLetterTopic,
      messages: [
        {
          ...parked,
          headers: {
            ...parked.headers,
            [EVENT_HEADERS.dlqReason]: 'unsupported-schema-version',
            [EVENT_HEADERS.dlqError]: 'schema_version must be 1',
            [EVENT_HEADERS.dlqSourceTopic]: topic,
            [EVENT_HEADERS.dlqSourcePartition]: '0',
            [EVENT_HEADERS.dlqSourceOffset]: '41',
          },
        },
      ],
    });
    expect(await store.get(uid)).to.equal(null);

    const applied = await redrive('--apply');
    expect(applied.summary).to.include({ total: 2, toRedrive: 1, undecodable: 1, applied: true, redriven: 1 });
    expect(applied.summary.byReason).to.deep.equal({ 'not-json': 1, 'unsupported-schema-version': 1 });
    const cached = await waitFor('the redriven event to be in Redis', async () => (await store.get(uid)) ?? undefined);
    expect(cached.version).to.equal(3);

    // The redriven record: same key, its headers without the projector's dlq-* ones, and where it was parked.
    const records = await readTopic(kafka, admin, topic, { groupIdPrefix: uniqueName('redrive-check') });
    expect(records).to.have.length(2);
    const sent = records.find((r) => r.key?.toString() === uid);
    expect(sent?.headers?.[EVENT_HEADERS.redrivenFrom]?.toString()).to.equal(`${deadLetterTopic}/0/1`);
    expect(sent?.headers?.[EVENT_HEADERS.version]?.toString()).to.equal('3');
    expect(Object.keys(sent?.headers ?? {}).filter((name) => name.startsWith('dlq-'))).to.deep.equal([]);

    const again = await redrive('--apply');
    expect(again.summary).to.include({ total: 2, toRedrive: 0, alreadyRedriven: 1, undecodable: 1, redriven: 0 });
    expect((await admin.fetchTopicOffsets(topic)).reduce((sum, { high }) => sum + Number(high), 0)).to.equal(2);
    expect(app.counters.deadLettered).to.equal(1);
  });

  it('changes nothing when a redriven event is older than what the cache holds (a newer one was applied meanwhile)', async () => {
    const uid = uniqueName('newer').replace(/[^A-Za-z0-9_-]/g, '');
    await producer.send({ topic, messages: [toRecord(anUpsert(uid, 5))] });
    await waitFor('version 5 in Redis', async () => (await store.get(uid))?.version === 5);
    const older = toRecord(anUpsert(uid, 2));
    await producer.send({
      topic: deadLetterTopic,
      messages: [{ ...older, headers: { ...older.headers, [EVENT_HEADERS.dlqReason]: 'unsupported-schema-version' } }],
    });
    const staleBefore = app.counters.stale;

    const { summary } = await redrive('--apply');
    expect(summary).to.include({ toRedrive: 1, redriven: 1 });
    await waitFor('the redriven event to be seen as stale', async () => app.counters.stale > staleBefore);
    expect((await store.get(uid))?.version).to.equal(5);
  });
});
