/**
 * Rate limits for real: two API processes sharing one Redis count one subject
 * together; requests without a valid token count by client address, which
 * comes from X-Forwarded-For only when TRUST_PROXY names the peer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { expect } from 'chai';
import { freePort } from '../../../../bench/support/bench-servers.js';
import { testEnvironment, uniqueName } from '../../../../test/support/environment.js';
import { testIssuer } from '../../../../test/support/test-issuer.js';
import { call, createTestDatabase, createTestTopic, deleteTestTopic, type TestDatabase } from '../support/api-harness.js';

const root = new URL('../../../../', import.meta.url).pathname;

interface ApiProcess {
  url: string;
  stop(): Promise<void>;
}

async function startApiProcess(env: Record<string, string>): Promise<ApiProcess> {
  const [port, adminPort] = [await freePort(), await freePort()];
  const child: ChildProcess = spawn(process.execPath, ['--conditions=source', '--import', 'tsx', 'apps/api/src/main.ts'], {
    cwd: root,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'warn', PORT: String(port), ADMIN_PORT: String(adminPort), ...env },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the API exited with ${child.exitCode}`);
    const ready = await fetch(`http://127.0.0.1:${adminPort}/readyz`).then(
      (res) => res.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) throw new Error('the API was not ready within 60 s');
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await once(child, 'exit');
    },
  };
}

describe('rate limits (two API processes, one Redis, real PostgreSQL and Kafka)', function () {
  this.timeout(120_000);
  const LIMIT = 6;
  let topic: string;
  let database: TestDatabase;
  let apis: ApiProcess[] = [];

  before(async () => {
    topic = await createTestTopic('e2e-rate');
    database = await createTestDatabase('orders_rate');
    const issuer = await testIssuer();
    const shared = {
      ...issuer.apiEnv,
      DATABASE_URL: database.url,
      KAFKA_TOPIC: topic,
      KAFKA_BROKERS: testEnvironment.kafkaBrokers.join(','),
      CACHE_BACKEND: 'redis',
      REDIS_URL: testEnvironment.redisUrl,
      REDIS_KEY_PREFIX: uniqueName('rate'),
      RATE_LIMIT_PER_SUBJECT: String(LIMIT),
      RATE_LIMIT_PER_ADDRESS: String(LIMIT),
    };
    apis.push(await startApiProcess(shared));
    apis.push(await startApiProcess({ ...shared, TRUST_PROXY: 'loopback' }));
  });
  after(async () => {
    await Promise.all(apis.map((api) => api.stop()));
    apis = [];
    await deleteTestTopic(topic);
    await database?.drop();
  });

  it("lets exactly the limit of one subject's requests through, alternating between the processes; the rest get 429", async () => {
    const token = await (await testIssuer()).token({ subject: uniqueName('limited') });
    const answers = [];
    for (let i = 0; i < 2 * LIMIT; i++) answers.push(await call(apis[i % 2]!.url, 'GET', '/orders?limit=1', { token }));
    const statuses = answers.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).to.have.length(LIMIT);
    expect(statuses.slice(LIMIT)).to.deep.equal(Array<number>(LIMIT).fill(429));
    for (const refused of answers.slice(LIMIT)) {
      expect(refused.headers.get('retry-after')).to.match(/^[1-9]\d*$/);
      expect(refused.headers.get('content-type')).to.match(/^application\/problem\+json/);
      expect(refused.body.type).to.equal('/problems/too-many-requests');
      expect(refused.headers.get('ratelimit')).to.match(/^"per-subject"; r=0; t=\d+$/);
      expect(refused.headers.get('ratelimit-policy')).to.match(new RegExp(`^"per-subject"; q=${LIMIT}; w=60; pk=:[^:]+:$`));
    }
    expect(answers[0]!.headers.get('ratelimit')).to.match(new RegExp(`^"per-subject"; r=${LIMIT - 1}; t=\\d+$`));
    // Another subject has its own budget.
    const other = await (await testIssuer()).token({ subject: uniqueName('other') });
    expect((await call(apis[0]!.url, 'GET', '/orders?limit=1', { token: other })).status).to.equal(200);
  });

  it('counts requests without a valid token by address, taken from X-Forwarded-For only where TRUST_PROXY names the peer', async () => {
    // The first process trusts no proxy: every forwarded address is the one loopback peer.
    const untrusted = [];
    for (let i = 0; i < LIMIT + 1; i++) {
      untrusted.push((await call(apis[0]!.url, 'GET', '/orders', { token: null, headers: { 'x-forwarded-for': `203.0.113.${i + 1}` } })).status);
    }
    expect(untrusted).to.deep.equal([...Array<number>(LIMIT).fill(401), 429]);
    // The second trusts loopback: each forwarded client has its own budget, one client's runs out.
    const client = async (address: string): Promise<number> =>
      (await call(apis[1]!.url, 'GET', '/orders', { token: null, headers: { 'x-forwarded-for': address } })).status;
    const one = [];
    for (let i = 0; i < LIMIT + 1; i++) one.push(await client('198.51.100.7'));
    expect(one).to.deep.equal([...Array<number>(LIMIT).fill(401), 429]);
    expect(await client('198.51.100.8')).to.equal(401);
  });
});
