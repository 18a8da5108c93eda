import { expect } from 'chai';
import type { Knex } from 'knex';
import { decodeOrderEvent, type OrderEvent } from '@order-service/contracts';
import { createDatabase } from '@order-service/postgres';
import { DependencyStateLog } from '@order-service/runtime';
import { createKafka, reliableProducerConfig, type KafkaJS } from '@order-service/kafka';
import { appendToOutbox, OUTBOX_CHANNEL } from '../../src/outbox/knex-outbox.js';
import { KafkaOutboxPublisher } from '../../src/outbox/kafka-outbox-publisher.js';
import { KnexOutboxStore } from '../../src/outbox/knex-outbox-store.js';
import type { OutboxPublisher } from '../../src/outbox/outbox-ports.js';
import { OutboxRelay, type OutboxRelayDeps, type OutboxRelayOptions } from '../../src/outbox/outbox-relay.js';
import { PgOutboxListener } from '../../src/outbox/pg-outbox-listener.js';
import { testEnvironment, uniqueName } from '../../../../test/support/environment.js';
import { appendEvents, createPrivateDatabase, outboxRowCount, RecordingLog, type PrivateDatabase } from '../support/outbox-fixtures.js';
import { timeUntil, waitFor } from '../../../../test/support/wait-for.js';
import { aDelete, anUpsert } from '../../../../packages/projection/test/support/order-events.js';
import { KafkaGate } from '../support/outbox-kafka-gate.js';
import { appliedVersions, createOrdersTopic, quietKafkaLog, TopicTail, type TopicRecord } from '../support/outbox-topic.js';

/** How the waits here poll: often, as the relay's work takes milliseconds. */
const POLL = { timeoutMs: 10_000, intervalMs: 10 };

describe('OutboxRelay (real PostgreSQL and Kafka)', () => {
  let database: PrivateDatabase;
  let db: Knex;
  let admin: KafkaJS.Admin;
  let topic: string;
  let tail: TopicTail;
  const kafka = createKafka({ brokers: testEnvironment.kafkaBrokers, clientId: 'it-outbox-relay', logger: quietKafkaLog });
  const relays: OutboxRelay[] = [];
  const pools: Knex[] = [];
  const gates: KafkaGate[] = [];

  /** A relay over this file's database and topic; every one is stopped after its test. `publisher` may wrap the real one in a double. */
  function relay({
    brokers = testEnvironment.kafkaBrokers,
    logger = new RecordingLog(),
    relayDb = db,
    publisher = (kafkaPublisher) => kafkaPublisher,
    onPublished,
    producerConfig = {},
    pollIntervalMs = 200,
    publishTimeoutMs = 5_000,
    ...options
  }: Partial<OutboxRelayOptions> & {
    brokers?: string[];
    producerConfig?: KafkaJS.ProducerConstructorConfig;
    logger?: RecordingLog;
    relayDb?: Knex;
    publisher?: (kafkaPublisher: KafkaOutboxPublisher) => OutboxPublisher;
    onPublished?: OutboxRelayDeps['onPublished'];
    pollIntervalMs?: number;
    publishTimeoutMs?: number;
  } = {}): OutboxRelay {
    const settings: OutboxRelayOptions = { batchSize: 100, maxBackoffMs: 500, ...options };
    const producerKafka = createKafka({ brokers, clientId: 'it-outbox-relay', logger: quietKafkaLog });
    const kafkaPublisher = new KafkaOutboxPublisher({
      createProducer: () => producerKafka.producer({ ...reliableProducerConfig(publishTimeoutMs), ...producerConfig }),
      topic,
      publishTimeoutMs,
      logger,
    });
    const created = new OutboxRelay({
      store: new KnexOutboxStore(relayDb),
      publisher: publisher(kafkaPublisher),
      notifications: new PgOutboxListener({
        connectionString: database.url,
        pollIntervalMs,
        maxBackoffMs: settings.maxBackoffMs,
        logger,
        state: new DependencyStateLog(logger, 'outbox LISTEN connection'),
      }),
      logger,
      options: settings,
      onPublished,
    });
    relays.push(created);
    return created;
  }

  before(async () => {
    database = await createPrivateDatabase('it_outbox_relay');
    db = database.db;
    admin = kafka.admin();
    await admin.connect();
    topic = await createOrdersTopic(admin, 'it-outbox-relay');
    tail = new TopicTail(kafka, admin, topic);
    await tail.start();
  });

  beforeEach(async () => {
    await db.raw('delete from outbox');
  });

  afterEach(async () => {
    await Promise.all(relays.splice(0).map((r) => r.stop()));
    await Promise.all(pools.splice(0).map((p) => p.destroy()));
  });

  after(async () => {
    // Closed last: a stopped relay's producer may still be finishing its connect through one.
    await Promise.all(gates.splice(0).map((g) => g.close()));
    await tail?.stop();
    await admin?.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin?.disconnect();
    await database?.drop();
  });

  it('keeps rows in the outbox and backs off while Kafka is unreachable, then publishes them all in order once it is back', async () => {
    const gate = await KafkaGate.closed(testEnvironment.kafkaBrokers[0] ?? '127.0.0.1:9092');
    gates.push(gate);
    const prefix = uniqueName('down');
    const orders = [`${prefix}-a`, `${prefix}-b`, `${prefix}-c`];
    const log = new RecordingLog();
    const recovering = relay({
      brokers: [gate.address],
      publishTimeoutMs: 300,
      maxBackoffMs: 400,
      logger: log,
      // Reconnect to the bootstrap address soon after it opens, not after librdkafka's default 10 s backoff.
      producerConfig: { 'reconnect.backoff.max.ms': 200 },
    });
    await recovering.start();
    for (let version = 1; version <= 4; version += 1) {
      for (const uid of orders) await appendEvents(db, [anUpsert(uid, version)]);
    }

    await waitFor('three attempts failed', () => recovering.stats().failed >= 3, POLL);
    expect(await outboxRowCount(db), 'every row is kept').to.equal(12);
    expect(recovering.stats()).to.include({ published: 0, failing: true });
    expect(log.at('warn'), 'one warning for the change into failing, not one per attempt').to.have.length(1);
    expect(log.at('warn')[0]?.message).to.match(/failing/);

    await gate.open();
    await recovering.drain(20_000);
    await tail.caughtUp();
    const byKey = tail.byKey(prefix);
    expect([...byKey.keys()]).to.have.members(orders);
    for (const records of byKey.values()) expect(records.map((r) => r.version)).to.deep.equal([1, 2, 3, 4]);
    // The outbox is empty once the batch committed; the relay says it recovered when its next claim finds nothing.
    await waitFor('the relay reports it recovered', () => !recovering.stats().failing, POLL);
    expect(recovering.stats()).to.include({ published: 12, failing: false });
    expect(log.at('warn')).to.have.length(1);
    expect(log.at('info').filter((e) => /recovered/.test(e.message))).to.have.length(1);
  });

  it('leaves the rows to a relay with working brokers when its own producer cannot connect', async () => {
    const prefix = uniqueName('handover');
    const gate = await KafkaGate.closed(testEnvironment.kafkaBrokers[0] ?? '127.0.0.1:9092');
    gates.push(gate);
    const stuck = relay({ brokers: [gate.address], publishTimeoutMs: 300, maxBackoffMs: 400, producerConfig: { 'reconnect.backoff.max.ms': 200 } });
    await stuck.start();
    for (let version = 1; version <= 3; version += 1) await appendEvents(db, [anUpsert(`${prefix}-a`, version)]);
    await waitFor('an attempt failed', () => stuck.stats().failed >= 1, POLL);
    await stuck.stop();
    await stuck.stop();
    expect(await outboxRowCount(db)).to.equal(3);

    const working = relay();
    await working.start();
    await working.drain(15_000);
    await tail.caughtUp();
    expect(tail.recordsOf(prefix).map((r) => r.version)).to.deep.equal([1, 2, 3]);
    // The stuck producer's connect cannot be cancelled; opening the port lets it finish (and disconnect) now rather than time out in 30 s.
    await gate.open();
  });

  it('publishes every event once, in version order per key, with its headers; a delete is followed by a tombstone', async () => {
    const prefix = uniqueName('order');
    const [a, b] = [`${prefix}-a`, `${prefix}-b`];
    const written: OrderEvent[] = [
      anUpsert(a, 1, 'req-a1'),
      anUpsert(b, 1),
      anUpsert(a, 2, 'req-a2'),
      anUpsert(b, 2),
      aDelete(a, 3, 'req-a3'),
      anUpsert(b, 3, 'req-b3'),
    ];
    for (const event of written) await appendEvents(db, [event]);
    const latencies: Array<{ latencyMs: number; count: number }> = [];
    const publisher = relay({ onPublished: (latencyMs, count) => latencies.push({ latencyMs, count }) });
    await publisher.start();
    await publisher.drain(15_000);
    await tail.caughtUp();

    const summary = (r: TopicRecord) => [r.type, r.version, r.value === null ? 'tombstone' : 'event', r.requestId ?? null, r.schemaVersion];
    const byKey = tail.byKey(prefix);
    expect(byKey.get(a)?.map(summary)).to.deep.equal([
      ['order.upserted', 1, 'event', 'req-a1', '1'],
      ['order.upserted', 2, 'event', 'req-a2', '1'],
      ['order.deleted', 3, 'event', 'req-a3', '1'],
      ['order.deleted', 3, 'tombstone', 'req-a3', '1'],
    ]);
    expect(byKey.get(b)?.map(summary)).to.deep.equal([
      ['order.upserted', 1, 'event', null, '1'],
      ['order.upserted', 2, 'event', null, '1'],
      ['order.upserted', 3, 'event', 'req-b3', '1'],
    ]);
    const decoded = tail
      .recordsOf(prefix)
      .filter((r) => r.value !== null)
      .map((r) => decodeOrderEvent(r.value));
    expect(decoded).to.have.deep.members(written);
    expect(publisher.stats()).to.include({ published: 6, failed: 0 });
    expect(latencies.reduce((sum, l) => sum + l.count, 0)).to.equal(6);
    expect(latencies.every((l) => l.latencyMs > 0)).to.equal(true);
  });

  it('wakes when a writer of its process says it appended: with a one-minute poll, the event is published within a second', async () => {
    const publisher = relay({ pollIntervalMs: 60_000 });
    await publisher.start();
    await appendEvents(db, [anUpsert(uniqueName('appended'), 1)]);
    publisher.appended();
    const tookMs = await timeUntil('the outbox is empty', async () => (await outboxRowCount(db)) === 0, { timeoutMs: 1_000 });
    expect(tookMs).to.be.below(1_000);
    expect(publisher.stats().published).to.equal(1);
  });

  it('sends the first row after a quiet spell at once, then gathers the rows written while it lingers into one batch', async () => {
    const sends: number[] = [];
    const publisher = relay({ pollIntervalMs: 60_000, lingerMs: 2_000, onPublished: (_latencyMs, count) => void sends.push(count) });
    await publisher.start();
    await appendEvents(db, [anUpsert(uniqueName('linger-first'), 1)]);
    publisher.appended();
    const tookMs = await timeUntil('the first row is published', async () => (await outboxRowCount(db)) === 0, { timeoutMs: 10_000 });
    expect(tookMs, 'the first claim does not linger').to.be.below(2_000);
    // The loop now lingers before its next claim: what is written meanwhile goes in one send.
    for (const uid of [1, 2, 3, 4].map((i) => uniqueName(`linger-${i}`))) {
      await appendEvents(db, [anUpsert(uid, 1)]);
      publisher.appended();
    }
    await waitFor('the outbox is empty', async () => (await outboxRowCount(db)) === 0, { ...POLL, timeoutMs: 10_000 });
    expect(sends, 'one send for the first row, one for the four').to.deep.equal([1, 4]);
  });

  it('wakes on NOTIFY from a writer outside the API: with a one-minute poll, an appended event is published within a second', async () => {
    const publisher = relay({ pollIntervalMs: 60_000 });
    await publisher.start();
    await appendEvents(db, [anUpsert(uniqueName('notify'), 1)]);
    await db.raw(`notify ${OUTBOX_CHANNEL}`);
    const tookMs = await timeUntil('the outbox is empty', async () => (await outboxRowCount(db)) === 0, { timeoutMs: 1_000 });
    expect(tookMs).to.be.below(1_000);
    expect(publisher.stats().published).to.equal(1);
  });

  it('listens again after its LISTEN connection is killed', async () => {
    const log = new RecordingLog();
    const publisher = relay({ pollIntervalMs: 60_000, maxBackoffMs: 200, logger: log });
    await publisher.start();
    const killed = (await db.raw(
      `select pg_terminate_backend(pid) as killed from pg_stat_activity
        where datname = current_database() and application_name = 'order-api-outbox-listener'`,
    )) as { rows: Array<{ killed: boolean }> };
    expect(killed.rows).to.have.length(1);
    await waitFor('the listener noticed', () => !publisher.stats().listening, POLL);
    await waitFor('the listener is back', () => publisher.stats().listening, POLL);

    await appendEvents(db, [anUpsert(uniqueName('relisten'), 1)]);
    await db.raw(`notify ${OUTBOX_CHANNEL}`);
    await waitFor('the outbox is empty', async () => (await outboxRowCount(db)) === 0, { ...POLL, timeoutMs: 1_000 });
    expect(log.at('warn').map((e) => e.message)).to.have.length(1);
    expect(log.at('info').map((e) => e.message)).to.include('outbox LISTEN connection is back');
  });

  it('publishes a batch again after a crash between the acknowledgement and the delete; the copies carry the same versions', async () => {
    const prefix = uniqueName('crash');
    const orders = [`${prefix}-a`, `${prefix}-b`];
    for (let version = 1; version <= 3; version += 1) {
      for (const uid of orders) await appendEvents(db, [version === 3 && uid.endsWith('-b') ? aDelete(uid, version) : anUpsert(uid, version)]);
    }
    const crashed = new Set<number>();
    // A publisher double: the real publish, then a crash before the relay can delete the rows.
    const crashing = relay({
      publisher: (kafkaPublisher) => ({
        get connected() {
          return kafkaPublisher.connected;
        },
        start: () => kafkaPublisher.start(),
        stop: () => kafkaPublisher.stop(),
        publish: async (rows) => {
          await kafkaPublisher.publish(rows);
          for (const row of rows) crashed.add(row.id);
          throw new Error('simulated crash after Kafka acknowledged');
        },
      }),
    });
    await crashing.start();
    // Each attempt takes one slot; wait until every row was published once and "crashed".
    await waitFor('every row was published by the crashing relay', () => crashed.size === 6, POLL);
    await crashing.stop();
    expect(await outboxRowCount(db), 'nothing was deleted').to.equal(6);

    const fresh = relay();
    await fresh.start();
    await fresh.drain(15_000);
    await tail.caughtUp();
    for (const uid of orders) {
      const records = tail.byKey(prefix).get(uid) ?? [];
      const events = records.filter((r) => r.value !== null);
      for (const version of [1, 2, 3]) {
        expect(events.filter((r) => r.version === version).length, `${uid} v${version} published again`).to.be.at.least(2);
      }
      expect(appliedVersions(records), 'a consumer deduplicating by version applies each version once, in order').to.deep.equal([1, 2, 3]);
      const last = records.at(-1);
      expect(last?.version, 'the record compaction keeps is the latest version').to.equal(3);
      if (uid.endsWith('-b')) expect(last?.value, 'a deleted order ends with its tombstone').to.equal(null);
    }
  });

  for (const concurrency of [1, 3]) {
    it(`shares the work between two relays of ${concurrency} claim loop(s): 1,000 events of 50 orders written concurrently arrive once each, in order per key`, async () => {
      const prefix = uniqueName('pair');
      const orders = Array.from({ length: 50 }, (_, i) => `${prefix}-${i}`);
      const versions = 20;
      const relayPools = [0, 1].map(() => createDatabase({ url: database.url, poolMax: concurrency + 2, applicationName: 'it-outbox-relay' }));
      const writers = createDatabase({ url: database.url, poolMax: 10, applicationName: 'it-outbox-writer' });
      pools.push(...relayPools, writers);
      const [first, second] = relayPools.map((relayDb) => relay({ relayDb, batchSize: 50, concurrency }));
      await Promise.all([first?.start(), second?.start()]);

      // Each order's versions are written one after the other (as the order's row lock makes them), all orders at once;
      // half the orders are written by the first relay's replica and half by the second's, each waking its own relay.
      await Promise.all(
        orders.map(async (uid, index) => {
          const own = index % 2 === 0 ? first : second;
          for (let version = 1; version <= versions; version += 1) {
            const event = version === versions && index % 2 === 0 ? aDelete(uid, version) : anUpsert(uid, version);
            await writers.transaction((trx) => appendToOutbox(trx, event));
            own?.appended();
          }
        }),
      );
      await first?.drain(30_000);
      await tail.caughtUp();

      const byKey = tail.byKey(prefix);
      expect(byKey.size).to.equal(50);
      const expected = Array.from({ length: versions }, (_, i) => i + 1);
      for (const [uid, records] of byKey) {
        const events = records.filter((r) => r.value !== null);
        expect(
          events.map((r) => r.version),
          `${uid}: every version exactly once, in order`,
        ).to.deep.equal(expected);
        const tombstones = records.filter((r) => r.value === null);
        expect(tombstones.length, `${uid}: a tombstone only after a delete`).to.equal(Number(uid.split('-').at(-1)) % 2 === 0 ? 1 : 0);
      }
      expect(tail.recordsOf(prefix)).to.have.length(1_000 + 25);
      const published = [first?.stats().published ?? 0, second?.stats().published ?? 0];
      expect(published.reduce((sum, n) => sum + n, 0)).to.equal(1_000);
      expect(
        published.every((n) => n > 0),
        `both relays published (${published.join(' + ')})`,
      ).to.equal(true);
    });
  }
});
