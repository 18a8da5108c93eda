import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { call, createTestTopic, deleteTestTopic, startApi, type RunningApi } from '../../apps/api/test/support/api-harness.js';
import { validateOrder, validateOrderDraft } from '../../packages/contracts/src/index.js';
import { customerPoolSize, generateOrders, mulberry32, seedOrders } from '../../scripts/lib/seed-orders.js';
import { uniqueName } from '../support/environment.js';
import { testIssuer } from '../support/test-issuer.js';

const run = promisify(execFile);
const root = new URL('../../', import.meta.url).pathname;

const SEED = 20_251_125;
const COUNT = 30;
const ANCHOR = new Date('2025-11-25T00:00:00Z');
const YEAR_MS = 365 * 86_400_000;

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

async function seedCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(join(root, 'scripts/seed'), args, { cwd: root, env: { ...process.env, TOKEN: (await testIssuer()).staffToken } });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('the order generator (scripts/lib/seed-orders.ts)', function () {
  it('reproduces a run from its seed, and another seed gives other orders', function () {
    expect(generateOrders(SEED, COUNT, ANCHOR)).to.deep.equal(generateOrders(SEED, COUNT, ANCHOR));
    expect(generateOrders(SEED + 1, COUNT, ANCHOR)).not.to.deep.equal(generateOrders(SEED, COUNT, ANCHOR));
    const a = mulberry32(7);
    const b = mulberry32(7);
    const draws = Array.from({ length: 100 }, () => a());
    expect(draws).to.deep.equal(Array.from({ length: 100 }, () => b()));
    expect(draws.every((x) => x >= 0 && x < 1)).to.equal(true);
  });

  it('varies customers, currencies, item counts, brands and statuses', function () {
    const orders = generateOrders(SEED, COUNT, ANCHOR);
    const distinct = <T>(values: T[]): number => new Set(values).size;
    expect(distinct(orders.map((o) => o.customer_id)))
      .to.equal(customerPoolSize(COUNT))
      .and.to.be.at.least(5);
    expect(distinct(orders.map((o) => o.payment.currency))).to.be.at.least(3);
    expect(distinct(orders.map((o) => o.items.length))).to.be.at.least(3);
    expect(orders.every((o) => o.items.length >= 1 && o.items.length <= 5)).to.equal(true);
    expect(distinct(orders.flatMap((o) => o.items.map((i) => i.brand)))).to.be.at.least(10);
    expect(distinct(orders.flatMap((o) => o.items.map((i) => i.status)))).to.be.at.least(3);
    expect(distinct(orders.map((o) => o.delivery_service))).to.be.at.least(5);
    expect(distinct(orders.map((o) => o.locale))).to.be.at.least(3);
  });

  it('keeps a customer the same person across orders', function () {
    const byCustomer = new Map<string, Set<string>>();
    for (const o of generateOrders(SEED, 200, ANCHOR)) {
      const profiles = byCustomer.get(o.customer_id) ?? new Set<string>();
      profiles.add(JSON.stringify([o.delivery, o.locale, o.payment.currency]));
      byCustomer.set(o.customer_id, profiles);
    }
    for (const [customer, profiles] of byCustomer) expect(profiles.size, customer).to.equal(1);
  });

  it('writes only valid orders: amounts add up, items carry the track number, dates within the year before', function () {
    for (const seed of [1, 2, 3, 42, SEED, 2 ** 32 - 1]) {
      for (const [index, order] of generateOrders(seed, 300, ANCHOR).entries()) {
        const verdict = validateOrderDraft(order);
        expect(verdict.ok ? [] : verdict.errors, `seed ${seed}, order ${index}`).to.deep.equal([]);
        const created = Date.parse(order.date_created ?? '');
        expect(created).to.be.within(ANCHOR.getTime() - YEAR_MS, ANCHOR.getTime());
        expect(Date.parse(order.payment.payment_dt)).to.be.at.least(created);
        const cents = (x: number): number => Math.round(x * 100);
        expect(cents(order.payment.goods_total)).to.equal(order.items.reduce((sum, i) => sum + cents(i.total_price), 0));
      }
    }
  });
});

describe('the seeder (scripts/seed, real API, PostgreSQL and Kafka)', function () {
  this.timeout(120_000);
  let topic: string | undefined;
  let api: RunningApi | undefined;

  before(async function () {
    topic = await createTestTopic('e2e-seed');
    api = await startApi({ KAFKA_TOPIC: topic });
  });

  after(async function () {
    await api?.stop();
    if (topic) await deleteTestTopic(topic);
  });

  const apiUrl = (): string => {
    if (!api) throw new Error('the API did not start');
    return api.url;
  };

  it(`writes ${COUNT} valid orders through POST /orders, each stored as generated`, async function () {
    const report = await seedOrders({
      url: apiUrl(),
      token: (await testIssuer()).staffToken,
      count: COUNT,
      concurrency: 8,
      seed: SEED,
      anchor: ANCHOR,
      runId: uniqueName('e2e'),
    });
    expect(report.failed).to.deep.equal([]);
    expect(report.created.map((c) => c.index)).to.deep.equal([...Array(COUNT).keys()]);
    expect(new Set(report.created.map((c) => c.orderUid)).size).to.equal(COUNT);

    const generated = generateOrders(SEED, COUNT, ANCHOR);
    for (const { index, orderUid } of report.created) {
      const res = await call(apiUrl(), 'GET', `/orders/${orderUid}`);
      expect(res.status, `order ${index}`).to.equal(200);
      const verdict = validateOrder(res.body);
      expect(verdict.ok ? [] : verdict.errors, `order ${index}`).to.deep.equal([]);
      const { order_uid: uid, internal_signature: _signature, ...written } = res.body as Record<string, unknown>;
      expect(uid).to.equal(orderUid);
      expect(written, `order ${index}`).to.deep.equal(generated[index]);
    }
  });

  it('prints the summary line and exits 0 (scripts/seed)', async function () {
    const { code, stdout, stderr } = await seedCli(['--count', '5', '--url', apiUrl(), '--concurrency', '2', '--seed', '7']);
    expect(code, stderr).to.equal(0);
    expect(stdout.trim()).to.match(/^seeded 5 orders in \d+\.\d s \(\d+ orders\/s\), 0 failed$/);
    expect(stderr).to.include('seed 7');
  });

  it('exits 1 with the first problem answer when the API refuses the orders', async function () {
    const { code, stdout, stderr } = await seedCli(['--count', '3', '--url', `${apiUrl()}/nowhere`, '--quiet']);
    expect(code).to.equal(1);
    expect(stdout.trim()).to.match(/^seeded 0 orders in \d+\.\d s \(0 orders\/s\), 3 failed$/);
    expect(stderr).to.include('HTTP 404').and.to.include('"status":404');
  });

  it('exits 1 naming the network error when nothing listens', async function () {
    const { code, stdout, stderr } = await seedCli(['--count', '2', '--url', `http://127.0.0.1:${await closedPort()}`, '--quiet']);
    expect(code).to.equal(1);
    expect(stdout).to.match(/, 2 failed\n$/);
    expect(stderr).to.include('no answer').and.to.include('ECONNREFUSED');
  });

  it('refuses bad options with the usage and exit code 2', async function () {
    const { code, stderr } = await seedCli(['--count', 'many']);
    expect(code).to.equal(2);
    expect(stderr).to.include('--count must be an integer').and.to.include('usage: scripts/seed');
  });
});
