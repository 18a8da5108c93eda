// The web page's operations view in Chromium: a staff token sees the charts move while orders are written, read from
// the API's and the projector's own metrics (no Prometheus); a customer token gets 403 and no view.
import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { chromium, type Browser, type Page } from 'playwright-core';
import { anOrder } from '@order-service/domain/testing';
import { buildApp as buildProjector, type ProjectorApp } from '../../apps/cache-projector/src/composition-root.js';
import { projectorConfig, testLogger } from '../../apps/cache-projector/test/support/projector-instances.js';
import { waitFor } from '../support/wait-for.js';
import { call, createTestTopic, deleteTestTopic, startApi, type RunningApi } from '../../apps/api/test/support/api-harness.js';
import { uniqueName } from '../support/environment.js';
import { testIssuer, type TestIssuer } from '../support/test-issuer.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RESULTS_DIR = fileURLToPath(new URL('../../test-results/', import.meta.url));

describe('the operations view of the web page, driven in Chromium (real API, projector, PostgreSQL, Redis, Kafka)', function () {
  this.timeout(120_000);
  let topic: string;
  let projector: ProjectorApp;
  let api: RunningApi;
  let issuer: TestIssuer;
  let browser: Browser;
  let page: Page;
  /** Requests to any origin but the API's and the issuer's sign-in, console errors and page errors: each fails the test. */
  const trouble: string[] = [];

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: run scripts/test, or apt-get install chromium, or set CHROMIUM_PATH`);
    topic = await createTestTopic('e2e-ops-view');
    const keyPrefix = uniqueName('ops-view');
    projector = buildProjector(projectorConfig({ topic, deadLetterTopic: `${topic}.dlq`, groupId: uniqueName('ops-view-group'), keyPrefix }), testLogger());
    const { port: projectorPort } = await projector.start();
    issuer = await testIssuer();
    api = await startApi({
      KAFKA_TOPIC: topic,
      CACHE_BACKEND: 'redis',
      REDIS_KEY_PREFIX: keyPrefix,
      CACHE_INVALIDATION_CHANNEL: `${keyPrefix}:invalidate`,
      AUTH_DEV_SIGN_IN_URL: issuer.server.tokenUrl,
      OPS_PROJECTOR_METRICS_URLS: `http://127.0.0.1:${projectorPort}/metrics`,
      OPS_SAMPLE_INTERVAL_MS: '500',
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) trouble.push(`console: ${message.text()}`);
    });
    page.on('pageerror', (error) => trouble.push(`page error: ${error.message}`));
    page.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(api.url) && !url.startsWith('data:') && url !== issuer.server.tokenUrl) trouble.push(`request to another origin: ${url}`);
    });
    await page.goto(`${api.url}/`);
  });
  after(async () => {
    await browser?.close();
    await api?.stop();
    await projector?.stop();
    await deleteTestTopic(topic);
  });
  afterEach(() => {
    expect(trouble, 'console errors, page errors or requests off the page').to.deep.equal([]);
  });

  async function signIn(as: 'staff' | 'customer', customer?: string): Promise<void> {
    await page.getByLabel('Sign in as').selectOption(as);
    if (customer) await page.getByLabel('Customer ID').fill(customer);
    await page.locator('#sign-in-dev').getByRole('button', { name: 'Sign in', exact: true }).click();
    await page
      .locator('#sign-in-status')
      .getByText(`Signed in as ${as === 'customer' ? `customer ${customer ?? ''}` : 'staff'}.`, { exact: true })
      .waitFor();
  }

  const chart = (id: string) => page.locator(`#operations figure[data-chart="${id}"]`);
  const latest = async (id: string): Promise<number> => Number(await chart(id).getAttribute('data-latest'));

  it('shows a staff token charts of outbox, staleness (overall and per partition), lag, hit ratio, requests, p99 and dead letters that move while orders are written', async () => {
    await signIn('staff');
    await page.locator('#operations').waitFor({ state: 'visible' });
    const ids = await page.locator('#operations figure[data-chart]').evaluateAll((figures) => figures.map((f) => f.getAttribute('data-chart')));
    expect(ids).to.deep.equal(['outbox-backlog', 'outbox-age', 'staleness', 'staleness-partition', 'lag', 'hit-ratio', 'request-rate', 'p99', 'dead-letters']);
    const pointsBefore = Number(await chart('request-rate').getAttribute('data-points'));

    // Orders written and read through the API: requests, reads per tier and the projector's partitions show up.
    const writing = (async () => {
      for (let i = 0; i < 40; i += 1) {
        const order = anOrder()
          .with({ order_uid: uniqueName('ops').replace(/[^A-Za-z0-9_-]/g, '') })
          .build();
        expect((await call(api.url, 'POST', '/orders', { json: order })).status).to.equal(201);
        await call(api.url, 'GET', `/orders/${order.order_uid}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    writing.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    // Waits polled from here: Playwright runs waitForFunction's predicate through eval, which the page's CSP (script-src 'self') refuses.
    try {
      await waitFor('requests on the request-rate chart', async () => (await latest('request-rate')) > 0, { timeoutMs: 45_000, intervalMs: 250 });
    } finally {
      // Settled before the test ends, so a failed wait cannot leave it writing into the after hook's stopped API.
      await writing;
    }
    for (const id of ['lag', 'staleness-partition']) await chart(id).locator('path[data-series]').first().waitFor({ state: 'attached', timeout: 45_000 });
    mkdirSync(RESULTS_DIR, { recursive: true });
    await page.locator('#operations').screenshot({ path: `${RESULTS_DIR}operations-view.png` });

    expect(Number(await chart('request-rate').getAttribute('data-points'))).to.be.greaterThan(pointsBefore);
    expect(await latest('request-rate')).to.be.greaterThan(0);
    expect(await chart('request-rate').locator('path.chart-line').getAttribute('d')).to.match(/^M[\d.]+,[\d.]+( L[\d.]+,[\d.]+)+$/);
    expect(await chart('hit-ratio').locator('path[data-series]').count()).to.be.greaterThan(0);
    // A line per partition the projector applied events from, named p<partition>; the events were written seconds ago.
    const partitions = await chart('staleness-partition')
      .locator('path[data-series]')
      .evaluateAll((paths) => paths.map((p) => p.getAttribute('data-series')));
    for (const name of partitions) expect(name).to.match(/^p\d+$/);
    expect(await latest('staleness-partition'))
      .to.be.at.least(0)
      .and.below(120);
    expect(await chart('dead-letters').getAttribute('data-latest')).to.equal('0');
    expect(await page.locator('#operations-message').textContent()).to.equal('');
  });

  it('gives a customer token 403 and no view', async () => {
    const customerToken = await issuer.token({ subject: 'customer:ops', customerId: 'cust-ops', scopes: ['orders:read', 'orders:write', 'orders:read:all'] });
    const refused = await call(api.url, 'GET', '/operations/series', { token: customerToken });
    expect(refused.status).to.equal(403);
    expect(refused.headers.get('content-type')).to.match(/^application\/problem\+json/);
    expect((await call(api.url, 'GET', '/operations/series', { token: null })).status).to.equal(401);

    await signIn('customer', 'cust-001');
    await page.locator('#operations').waitFor({ state: 'hidden' });
    expect(await page.locator('#operations figure').count()).to.equal(0);
  });
});
