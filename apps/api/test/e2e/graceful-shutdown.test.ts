import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { expect } from 'chai';
import knexFactory from 'knex';
import { anOrder } from '@order-service/domain/testing';
import { createTestDatabase, createTestTopic, deleteTestTopic, startApi, type TestDatabase } from '../support/api-harness.js';
import { readTopicUntil } from '../support/topic-reader.js';
import { testEnvironment, uniqueName } from '../../../../test/support/environment.js';
import { testIssuer } from '../../../../test/support/test-issuer.js';

const root = new URL('../../../../', import.meta.url).pathname;

function startApiProcess(env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'apps/api/src/main.ts'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: process.env.SHUTDOWN_LOG_LEVEL ?? 'warn', ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
}

async function waitReady(url: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if ((await fetch(`${url}/readyz`)).status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${url} not ready within ${timeoutMs} ms`);
}

describe('graceful shutdown of the API under write load (real process, PostgreSQL and Kafka)', function () {
  this.timeout(180_000);
  let topic: string;
  let database: TestDatabase;

  before(async () => {
    topic = await createTestTopic('e2e-shutdown');
    database = await createTestDatabase('orders_shutdown');
  });
  after(async () => {
    await deleteTestTopic(topic);
    await database.drop();
  });

  it('loses no acknowledged write and no event when SIGTERM arrives mid-load', async () => {
    const port = 18_000 + Math.floor(Math.random() * 1_000);
    const url = `http://127.0.0.1:${port}`;
    const issuer = await testIssuer();
    const api = startApiProcess({
      ...issuer.apiEnv,
      PORT: String(port),
      ADMIN_PORT: String(port + 1),
      DATABASE_URL: database.url,
      KAFKA_TOPIC: topic,
      KAFKA_BROKERS: testEnvironment.kafkaBrokers.join(','),
    });
    await waitReady(`http://127.0.0.1:${port + 1}`);

    const acknowledged: string[] = [];
    let stop = false;
    const writer = async (): Promise<void> => {
      while (!stop) {
        const order = anOrder()
          .with({ order_uid: uniqueName('gs').replace(/[^A-Za-z0-9_-]/g, '') })
          .build();
        try {
          const res = await fetch(`${url}/orders`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${issuer.staffToken}` },
            body: JSON.stringify(order),
          });
          if (res.status === 201) acknowledged.push(order.order_uid);
          await res.arrayBuffer();
        } catch {
          // the server stopped accepting: that request was never acknowledged
          return;
        }
      }
    };
    const writers = Array.from({ length: 8 }, writer);
    await new Promise((r) => setTimeout(r, 1_500));
    api.kill('SIGTERM');
    const [code] = (await once(api, 'exit')) as [number | null];
    stop = true;
    await Promise.all(writers);
    expect(code).to.equal(0);
    expect(acknowledged.length).to.be.greaterThan(20);

    // Every acknowledged order is stored ...
    const db = knexFactory({ client: 'pg', connection: database.url });
    try {
      const stored = await db('orders').whereIn('order_uid', acknowledged).pluck('order_uid');
      expect(stored).to.have.members(acknowledged);
    } finally {
      await db.destroy();
    }

    // ... and reaches the topic, published before the stop or by the next replica's relay.
    const next = await startApi({ KAFKA_TOPIC: topic, DATABASE_URL: database.url });
    try {
      const wanted = new Set(acknowledged);
      const records = await readTopicUntil(topic, (all) => acknowledged.every((uid) => all.some((r) => r.key === uid)), { timeoutMs: 60_000 });
      const published = new Set(records.map((r) => r.key).filter((k) => wanted.has(k)));
      expect(published.size).to.equal(acknowledged.length);
    } finally {
      await next.stop();
    }
  });
});
