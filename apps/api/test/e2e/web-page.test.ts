import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect } from 'chai';
import { chromium, type Browser, type Page } from 'playwright-core';
import { anOrder } from '@order-service/domain/testing';
import { call, createTestTopic, deleteTestTopic, startApi, type RunningApi } from '../support/api-harness.js';
import { waitFor } from '../../../../test/support/wait-for.js';
import { uniqueName } from '../../../../test/support/environment.js';
import { testIssuer, type TestIssuer } from '../../../../test/support/test-issuer.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RESULTS_DIR = fileURLToPath(new URL('../../../../test-results/', import.meta.url));
const SCREENSHOT = `${RESULTS_DIR}web-page.png`;

describe('the web page, driven in Chromium (real API, PostgreSQL and Kafka)', function () {
  let api: RunningApi;
  let topic: string;
  let browser: Browser;
  let page: Page;
  let issuer: TestIssuer;
  /** Console errors, uncaught exceptions, failed loads of the page's own files and requests to any other origin than the issuer's sign-in: each fails the test. */
  const trouble: string[] = [];
  const uid = (): string => uniqueName('web').replace(/[^A-Za-z0-9_-]/g, '');

  async function openPage(): Promise<Page> {
    const opened = await browser.newPage({ viewport: { width: 1280, height: 900 }, colorScheme: 'light' });
    // The browser logs every 4xx as a console error; refusals of the API are what some tests ask for, so failed loads are judged by URL instead.
    opened.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) trouble.push(`console: ${message.text()}`);
    });
    opened.on('response', (response) => {
      if (response.status() >= 400 && !/^\/(orders|operations)\b/.test(new URL(response.url()).pathname))
        trouble.push(`${response.status()} for ${response.url()}`);
    });
    opened.on('pageerror', (error) => trouble.push(`page error: ${error.message}`));
    opened.on('request', (request) => {
      const url = request.url();
      if (!url.startsWith(api.url) && !url.startsWith('data:') && url !== issuer.server.tokenUrl) trouble.push(`request to another origin: ${url}`);
    });
    return opened;
  }

  before(async () => {
    // No skip when the browser is missing: scripts/test installs it (ensure_browser in scripts/lib/browser.sh).
    if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: run scripts/test, or apt-get install chromium, or set CHROMIUM_PATH`);
    topic = await createTestTopic('e2e-web');
    issuer = await testIssuer();
    api = await startApi({ KAFKA_TOPIC: topic, AUTH_DEV_SIGN_IN_URL: issuer.server.tokenUrl });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-dev-shm-usage',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    page = await openPage();
    await page.goto(`${api.url}/`);
    await signIn('staff');
  });

  /** Signs the page in through the development issuer's sign-in form. */
  async function signIn(as: 'staff' | 'customer' | 'reader', customer?: string): Promise<void> {
    await page.getByLabel('Sign in as').selectOption(as);
    if (customer) await page.getByLabel('Customer ID').fill(customer);
    await page.locator('#sign-in-dev').getByRole('button', { name: 'Sign in', exact: true }).click();
    const label = as === 'customer' ? `customer ${customer ?? ''}` : as === 'reader' ? 'read-only staff' : 'staff';
    await page.locator('#sign-in-status').getByText(`Signed in as ${label}.`, { exact: true }).waitFor();
  }

  after(async () => {
    if (page) {
      mkdirSync(RESULTS_DIR, { recursive: true });
      await page.evaluate('window.scrollTo(0, 0)');
      await page.screenshot({ path: SCREENSHOT, fullPage: true });
    }
    await browser?.close();
    await api?.stop();
    if (topic) await deleteTestTopic(topic);
  });

  afterEach(() => {
    expect(trouble.splice(0), 'console errors, page errors, failed loads or requests to other origins').to.deep.equal([]);
  });

  it('creates the pre-filled example order under a uid typed into the editor, and shows it', async () => {
    const editor = page.getByLabel('Order JSON');
    // Polled from here: Playwright runs waitForFunction's predicate through eval, which the page's CSP refuses.
    await waitFor('the example order in the editor', async () => (await editor.inputValue()).includes('WBILMTEST'), { timeoutMs: 30_000, intervalMs: 100 });
    const draft = JSON.parse(await editor.inputValue()) as Record<string, unknown>;
    const orderUid = uid();
    await editor.fill(JSON.stringify({ order_uid: orderUid, ...draft }, null, 2));
    await page.getByRole('button', { name: 'Create order' }).click();

    const feedback = page.locator('#create-feedback');
    await feedback.getByText('Created.').waitFor();
    expect(await feedback.textContent()).to.include(`Order ${orderUid} is stored at version 1`);
    const shown = feedback.getByRole('article', { name: `Order ${orderUid}` });
    expect(await shown.locator('.badge.version').textContent()).to.equal('v1');
    expect(await shown.getByRole('table').locator('tbody tr').count()).to.equal(1);
    expect((await call(api.url, 'GET', `/orders/${orderUid}`)).body).to.include({ order_uid: orderUid, track_number: draft.track_number });
  });

  it('looks an order up by uid: fields, delivery, payment, items, version and tier', async () => {
    const orderUid = uid();
    const order = anOrder().with({ order_uid: orderUid }).withItems(3).build();
    expect((await call(api.url, 'POST', '/orders', { json: order })).status).to.equal(201);
    const replaced = await call(api.url, 'PUT', `/orders/${orderUid}`, { json: order, headers: { 'if-match': '"v1"' } });
    expect(replaced.status).to.equal(200);

    await page.getByLabel('Order UID').fill(orderUid);
    await page.getByRole('button', { name: 'Look up' }).click();
    const view = page.locator('#order-view').getByRole('article', { name: `Order ${orderUid}` });
    await view.waitFor();
    expect(await page.locator('#lookup-message').textContent()).to.include(`Found order ${orderUid} at version 2`);
    expect(await view.locator('.badge.version').textContent()).to.equal('v2');
    expect(await view.locator('.badge.tier').textContent()).to.match(/^(LRU hit|Redis hit|PostgreSQL)$/);

    const delivery = view.getByRole('region', { name: 'Delivery' });
    expect(await delivery.locator('dt').allTextContents()).to.include.members(['Name', 'Phone', 'E-mail', 'Address', 'City']);
    expect(await delivery.textContent())
      .to.include(order.delivery.name)
      .and.include(order.delivery.email);
    const payment = view.getByRole('region', { name: 'Payment' });
    expect(await payment.textContent())
      .to.include(order.payment.transaction)
      .and.include(order.payment.bank);
    const items = view.getByRole('table');
    expect(await items.locator('caption').textContent()).to.equal('Items (3)');
    expect(await items.locator('tbody tr').count()).to.equal(3);
    expect(await items.locator('tbody tr th').allTextContents()).to.deep.equal(order.items.map((i) => i.item_name));
  });

  it('says plainly when no order has the uid', async () => {
    const missing = uid();
    await page.getByLabel('Order UID').fill(missing);
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.locator('#lookup-message').getByText(`No order “${missing}” was found.`).waitFor();
    expect(await page.locator('#order').isHidden()).to.equal(true);
  });

  it('searches by customer, pages with Next and Previous, and opens an order from the results', async () => {
    const customer = uniqueName('web-cust');
    const created: string[] = [];
    for (let i = 0; i < 7; i += 1) {
      const order = anOrder()
        .with({ order_uid: uid(), customer_id: customer, date_created: new Date(Date.UTC(2024, 2, 1 + i)).toISOString() })
        .build();
      expect((await call(api.url, 'POST', '/orders', { json: order })).status).to.equal(201);
      created.push(order.order_uid);
    }
    const newestFirst = [...created].reverse();
    const rows = page.locator('#search-rows tr');
    const uidsShown = async (): Promise<string[]> => page.locator('#search-rows tr th').allTextContents();

    await page.getByLabel('Search by').selectOption('customer_id');
    await page.getByLabel('Value').fill(customer);
    await page.getByLabel('Per page').selectOption('5');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.locator('#search-page').getByText('Page 1').waitFor();
    expect(await uidsShown()).to.deep.equal(newestFirst.slice(0, 5));
    const previous = page.getByRole('button', { name: '← Previous' });
    const next = page.getByRole('button', { name: 'Next →' });
    expect(await previous.isDisabled()).to.equal(true);

    await next.click();
    await page.locator('#search-page').getByText('Page 2').waitFor();
    expect(await uidsShown()).to.deep.equal(newestFirst.slice(5));
    expect(await next.isDisabled()).to.equal(true);

    await previous.click();
    await page.locator('#search-page').getByText('Page 1').waitFor();
    expect(await uidsShown()).to.deep.equal(newestFirst.slice(0, 5));
    expect(await rows.count()).to.equal(5);

    await page.getByRole('button', { name: newestFirst[1] }).click();
    await page
      .locator('#order-view')
      .getByRole('article', { name: `Order ${newestFirst[1]}` })
      .waitFor();
    expect(await page.getByLabel('Order UID').inputValue()).to.equal(newestFirst[1]);
  });

  it('explains JSON it cannot read, and lists each invalid field by path next to the editor', async () => {
    const editor = page.getByLabel('Order JSON');
    const feedback = page.locator('#create-feedback');
    await editor.fill('{"track_number": ');
    await page.getByRole('button', { name: 'Create order' }).click();
    await feedback.getByText('This is not valid JSON.').waitFor();
    expect(await editor.getAttribute('aria-invalid')).to.equal('true');

    await page.getByRole('button', { name: 'Reset to the example' }).click();
    const draft = JSON.parse(await editor.inputValue()) as { payment: Record<string, unknown>; delivery: Record<string, unknown> };
    await editor.fill(JSON.stringify({ ...draft, payment: { ...draft.payment, amount: 999 }, delivery: { ...draft.delivery, email: 'nobody' } }, null, 2));
    await page.getByRole('button', { name: 'Create order' }).click();
    await feedback.getByText('Not created: the order is invalid.').waitFor();
    const problems = await feedback.getByRole('list', { name: 'Problems' }).getByRole('listitem').allTextContents();
    expect(problems.some((p) => p.startsWith('/delivery/email: '))).to.equal(true, problems.join('\n'));
    expect(await editor.getAttribute('aria-invalid')).to.equal('true');

    await editor.fill(JSON.stringify({ ...draft, payment: { ...draft.payment, amount: 999 } }, null, 2));
    await page.getByRole('button', { name: 'Create order' }).click();
    await feedback.getByText('/payment/amount').waitFor();
    expect(await feedback.getByRole('listitem').first().textContent()).to.match(/^\/payment\/amount: must equal goods_total \+ delivery_cost \+ custom_fee/);
  });

  it('serves the API reference from this server (Swagger UI over /openapi.json)', async () => {
    const docs = await openPage();
    try {
      await docs.goto(`${api.url}/docs`);
      await docs.locator('.opblock-summary-path', { hasText: '/orders/{uid}' }).first().waitFor();
      expect(await docs.locator('.info .title').textContent()).to.include('Order service API');
      const operations = await docs.locator('.opblock-summary-operation-id, .opblock-summary-path').allTextContents();
      expect(operations.join(' ')).to.include('/orders').and.include('/healthz');
    } finally {
      await docs.close();
    }
  });

  it("signs in as a customer, creates, finds and opens the customer's order; a read-only token deleting sees the 403; signed out sees the 401", async () => {
    const customer = uniqueName('web-signin').replace(/[^\w-]/g, '');
    await signIn('customer', customer);
    expect(await page.locator('#sign-in-status').textContent()).to.include(`Signed in as customer ${customer}`);
    const editor = page.getByLabel('Order JSON');
    await page.getByRole('button', { name: 'Reset to the example' }).click();
    const draft = JSON.parse(await editor.inputValue()) as Record<string, unknown>;
    const orderUid = uid();
    await editor.fill(JSON.stringify({ ...draft, order_uid: orderUid, customer_id: customer }, null, 2));
    await page.getByRole('button', { name: 'Create order' }).click();
    await page.locator('#create-feedback').getByText('Created.').waitFor();

    await page.getByLabel('Search by').selectOption('customer_id');
    await page.getByLabel('Value').fill(customer);
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.getByRole('button', { name: orderUid }).click();
    await page
      .locator('#order-view')
      .getByRole('article', { name: `Order ${orderUid}` })
      .waitFor();

    await signIn('reader');
    await page.getByRole('button', { name: 'Delete order' }).click();
    await page.locator('#order-message').getByText('Not allowed: your access token lacks the scope orders:delete.').waitFor();
    expect((await call(api.url, 'GET', `/orders/${orderUid}`)).status).to.equal(200);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Order UID').fill(orderUid);
    await page.getByRole('button', { name: 'Look up' }).click();
    await page.locator('#lookup-message').getByText('Sign in first: the service answers order requests only with an access token.').waitFor();
    await signIn('staff');
  });
});
