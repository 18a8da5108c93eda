import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { request, Agent } from 'node:http';
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
    // Mid-load: once writes are being acknowledged (a busy machine may take seconds for the first ones).
    const loadDeadline = Date.now() + 30_000;
    while (acknowledged.length < 30 && Date.now() < loadDeadline) await new Promise((r) => setTimeout(r, 50));
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
  it('drains on SIGTERM: not ready at once, still serving with Connection: close for the drain delay, then refusing, exit 0', async () => {
    const port = 18_000 + Math.floor(Math.random() * 1_000);
    const url = `http://127.0.0.1:${port}`;
    const adminUrl = `http://127.0.0.1:${port + 1}`;
    const drainDelayMs = 2_000;
    const issuer = await testIssuer();
    const api = startApiProcess({
      ...issuer.apiEnv,
      PORT: String(port),
      ADMIN_PORT: String(port + 1),
      DATABASE_URL: database.url,
      KAFKA_TOPIC: topic,
      KAFKA_BROKERS: testEnvironment.kafkaBrokers.join(','),
      SHUTDOWN_DRAIN_DELAY_MS: String(drainDelayMs),
    });
    const exited = once(api, 'exit') as Promise<[number | null]>;
    await waitReady(adminUrl);

    // One keep-alive connection, as a load balancer keeps to its upstreams.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const get = (path: string): Promise<{ status: number; connection: string | undefined }> =>
      new Promise((resolve, reject) => {
        const req = request(`${url}${path}`, { agent }, (res) => {
          res.resume();
          res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection }));
        });
        req.on('error', reject);
        req.end();
      });
    try {
      expect(await get('/openapi.json')).to.deep.equal({ status: 200, connection: 'keep-alive' });

      const signalledAt = Date.now();
      api.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 200));
      const readiness = await fetch(`${adminUrl}/readyz`);
      expect(readiness.status).to.equal(503);
      expect(((await readiness.json()) as { checks: Record<string, { ok: boolean }> }).checks.serving?.ok).to.equal(false);

      // Still serving through the drain delay, each answer closing its connection.
      const during: Array<{ status: number; connection: string | undefined }> = [];
      while (Date.now() - signalledAt < drainDelayMs - 500) {
        during.push(await get('/openapi.json'));
        await new Promise((r) => setTimeout(r, 100));
      }
      expect(during.length).to.be.greaterThan(5);
      expect(
        during.every((answer) => answer.status === 200 && answer.connection === 'close'),
        JSON.stringify(during),
      ).to.equal(true);

      // Then it exits cleanly, not before the drain delay.
      const [code] = await exited;
      expect(code).to.equal(0);
      expect(Date.now() - signalledAt).to.be.at.least(drainDelayMs);
    } finally {
      agent.destroy();
      if (api.exitCode === null) api.kill('SIGKILL');
    }
  });
});
