import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { expect } from 'chai';
import type { Knex } from 'knex';
import { createKafka, deadLetterTopicSpec, ensureTopics, ordersTopicSpec } from '@order-service/kafka';
import { createDatabase, ensureDatabase } from '@order-service/postgres';
import { migrateLatest } from '../../src/migrate.js';
import { testEnvironment, uniqueName } from '../../../test/support/environment.js';

const run = promisify(execFile);
const ROOT = new URL('../../../', import.meta.url).pathname;
const quiet = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

/** The initContainers' wait (infra/src/cli/await-ready.ts), run as the image runs it, against real PostgreSQL and Kafka. */
describe('await-ready (real PostgreSQL and Kafka)', function () {
  this.timeout(60_000);
  const url = new URL(testEnvironment.databaseUrl);
  url.pathname = `/orders_await_${process.pid}`;
  const topic = uniqueName('it-await');
  let db: Knex;

  const awaitReady = (args: string[]): Promise<{ code: number; stdout: string }> =>
    run(process.execPath, ['--conditions=source', '--import', 'tsx', 'infra/src/cli/await-ready.ts', ...args], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url.toString(), KAFKA_BROKERS: testEnvironment.kafkaBrokers.join(','), KAFKA_TOPIC: topic },
    }).then(
      ({ stdout }) => ({ code: 0, stdout }),
      (error: { code: number; stdout: string }) => ({ code: error.code, stdout: error.stdout }),
    );

  before(async () => {
    await ensureDatabase(url.toString());
    db = createDatabase({ url: url.toString(), poolMax: 1 });
  });
  after(async () => {
    await db.destroy();
    const admin = new URL(url);
    admin.pathname = '/postgres';
    const adminDb = createDatabase({ url: admin.toString(), poolMax: 1 });
    await adminDb.raw(`drop database if exists "${url.pathname.slice(1)}" with (force)`);
    await adminDb.destroy();
    const kafkaAdmin = createKafka({ brokers: testEnvironment.kafkaBrokers, clientId: 'it-await', logger: quiet }).admin();
    await kafkaAdmin.connect();
    await kafkaAdmin.deleteTopics({ topics: [topic, `${topic}.dlq`] }).catch(() => undefined);
    await kafkaAdmin.disconnect();
  });

  it('gives up naming the pending migrations and the missing topics, then passes once the jobs have run', async () => {
    const early = await awaitReady(['schema', 'topics', '--timeout-seconds', '2']);
    expect(early.code).to.equal(1);
    expect(early.stdout).to.match(/migrations pending: 001-orders/);
    expect(early.stdout).to.include(`topics missing: ${topic}, ${topic}.dlq`);

    const waiting = awaitReady(['schema', 'topics', '--timeout-seconds', '40']);
    await migrateLatest(db);
    const kafkaAdmin = createKafka({ brokers: testEnvironment.kafkaBrokers, clientId: 'it-await', logger: quiet }).admin();
    await kafkaAdmin.connect();
    try {
      await ensureTopics(kafkaAdmin, [ordersTopicSpec(topic), deadLetterTopicSpec(`${topic}.dlq`)]);
    } finally {
      await kafkaAdmin.disconnect();
    }
    const ready = await waiting;
    expect(ready.code, ready.stdout).to.equal(0);
    expect(ready.stdout).to.include('schema and topics ready');
  });

  it('refuses an unknown condition with its usage', async () => {
    const refused = await awaitReady(['coffee']);
    expect(refused.code).to.equal(2);
  });
});
