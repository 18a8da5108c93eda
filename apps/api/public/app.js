/* global document, fetch, history, location, crypto, Node, URLSearchParams, setTimeout, clearTimeout */
// The orders web page: look an order up, search orders, create one, and (staff)
// the operations view. Plain DOM; every value from the server is set as text,
// never parsed as HTML.

const $ = (selector) => document.querySelector(selector);

const TIERS = {
  lru: { label: 'In-process cache hit', short: 'LRU hit' },
  redis: { label: 'Redis cache hit', short: 'Redis hit' },
  postgres: { label: 'Read from PostgreSQL (cache miss)', short: 'PostgreSQL' },
};

/** Builds an element: `attrs` are attributes (`class`, `aria-*`, ...) or `on<event>` listeners; null children are skipped. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith('on')) el.addEventListener(name.slice(2), value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Who the page acts for: an access token held in memory only (never stored), and how it was obtained. */
const session = { token: null, label: null };

/** One request to the API; a problem+json answer comes back as `problem`, never thrown. */
async function api(method, path, { json, headers = {} } = {}) {
  const auth = session.token ? { authorization: `Bearer ${session.token}` } : {};
  const init = { method, headers: { accept: 'application/json, application/problem+json', ...auth, ...headers }, cache: 'no-cache' };
  if (json !== undefined) {
    init.headers['content-type'] = 'application/json';
    init.body = typeof json === 'string' ? json : JSON.stringify(json);
  }
  const res = await fetch(path, init);
  const type = res.headers.get('content-type') ?? '';
  const body = type.includes('json') ? await res.json().catch(() => null) : null;
  return { status: res.status, headers: res.headers, body, problem: type.startsWith('application/problem+json') ? body : null };
}

/** The version an ETag such as `"v3"` names. */
function versionOf(etag) {
  const match = /^"v(\d+)"$/.exec(etag ?? '');
  return match ? Number(match[1]) : null;
}

/** The tier an RFC 9211 Cache-Status names: `order-service; hit; detail=lru` → lru. */
function tierOf(cacheStatus) {
  const match = /detail=(\w+)/.exec(cacheStatus ?? '');
  return match && TIERS[match[1]] ? match[1] : null;
}

function say(target, text, kind = 'info') {
  target.replaceChildren(text ? h('p', { class: `notice ${kind}` }, text) : '');
}

function networkFailure(target, error) {
  say(target, `The service did not answer (${error.message}). Check that it is running and try again.`, 'error');
}

/** What a 401 or 403 means for the person at the page; null for other answers. */
function accessMessage(status, problem) {
  if (status === 401) {
    return session.token
      ? 'Your access token was refused (it may have expired): sign in again.'
      : 'Sign in first: the service answers order requests only with an access token.';
  }
  if (status === 403) return `Not allowed: your access token lacks the scope ${problem?.scope ?? 'this needs'}.`;
  return null;
}

/** A problem as the person reading the page needs it: what happened, and each field at fault. */
function describeProblem(problem, status, lead) {
  const access = accessMessage(status, problem);
  if (access) return [h('p', { class: 'notice error' }, h('strong', {}, access))];
  const title = problem?.title ?? `HTTP ${status}`;
  const parts = [h('p', { class: 'notice error' }, h('strong', {}, lead ?? title), problem?.detail ? ` ${problem.detail}` : '')];
  if (Array.isArray(problem?.errors) && problem.errors.length > 0) {
    parts.push(
      h(
        'ul',
        { class: 'problem-list', 'aria-label': 'Problems' },
        problem.errors.map((e) =>
          h('li', {}, h('code', { class: 'path' }, e.path || '(document)'), h('span', { class: 'sep', 'aria-hidden': 'true' }, ': '), e.message),
        ),
      ),
    );
  }
  if (problem?.request_id && status >= 500) parts.push(h('p', { class: 'hint' }, `Request id: ${problem.request_id}`));
  return parts;
}

const dateFormats = {
  long: new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'medium', timeZone: 'UTC' }),
  short: new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short', timeZone: 'UTC' }),
};

/** A date-time in UTC, for a person; the exact value stays in `datetime` and the tooltip. */
function when(iso, style = 'long') {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const text = dateFormats[style].format(date);
  return h('time', { datetime: iso, title: iso }, style === 'long' ? `${text} UTC` : text);
}

function money(amount, currency) {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).format(amount);
  } catch {
    return `${amount} ${currency}`;
  }
}

function shown(value) {
  return value === '' ? h('span', { class: 'muted' }, '(empty)') : String(value);
}

function definitions(label, rows) {
  return h(
    'section',
    { class: 'facts', 'aria-label': label },
    h('h4', {}, label),
    h(
      'dl',
      {},
      rows.map(([term, value]) => h('div', { class: 'fact' }, h('dt', {}, term), h('dd', {}, value))),
    ),
  );
}

function badge(text, kind, title) {
  return h('span', { class: `badge ${kind}`, title }, text);
}

/** An order laid out for a person: its fields, delivery and payment as definition lists, items as a table. */
function renderOrder(order, { version, tier, note } = {}) {
  const { delivery: d, payment: p } = order;
  const tierInfo = tier ? TIERS[tier] : null;
  const itemsTable = h(
    'div',
    { class: 'table-scroll' },
    h(
      'table',
      { class: 'data-table items' },
      h('caption', {}, `Items (${order.items.length})`),
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          ['Item', 'Brand', 'Size', 'Price', 'Sale', 'Total', 'Status', 'chrt_id', 'nm_id', 'rid'].map((c, i) =>
            h('th', { scope: 'col', class: i >= 2 && i <= 6 ? 'num' : null }, c),
          ),
        ),
      ),
      h(
        'tbody',
        {},
        order.items.map((item) =>
          h(
            'tr',
            {},
            h('th', { scope: 'row' }, item.item_name),
            h('td', {}, item.brand),
            h('td', { class: 'num' }, item.item_size),
            h('td', { class: 'num' }, money(item.price, p.currency)),
            h('td', { class: 'num' }, `${item.sale}%`),
            h('td', { class: 'num' }, money(item.total_price, p.currency)),
            h('td', { class: 'num' }, item.status),
            h('td', {}, h('code', {}, item.chrt_id)),
            h('td', {}, h('code', {}, item.nm_id)),
            h('td', {}, h('code', {}, item.rid)),
          ),
        ),
      ),
    ),
  );
  return h(
    'article',
    { class: 'order', 'aria-label': `Order ${order.order_uid}` },
    h(
      'header',
      { class: 'order-head' },
      h('h3', {}, h('span', { class: 'muted' }, 'Order '), h('code', { class: 'order-uid' }, order.order_uid)),
      h(
        'p',
        { class: 'badges' },
        version ? badge(`v${version}`, 'version', 'Version, from the ETag') : null,
        tierInfo ? badge(tierInfo.short, `tier tier-${tier}`, `${tierInfo.label}, from Cache-Status`) : null,
        note ? badge(note, 'note') : null,
      ),
    ),
    h(
      'div',
      { class: 'facts-grid' },
      definitions('Order', [
        ['Track number', h('code', {}, order.track_number)],
        ['Customer', order.customer_id],
        ['Created', when(order.date_created)],
        ['Delivery service', order.delivery_service],
        ['Entry', order.entry],
        ['Locale', order.locale],
        ['Shard key', order.shard_key],
        ['SM id', order.sm_id],
        ['OOF shard', order.oof_shard],
        ['Internal signature', shown(order.internal_signature)],
      ]),
      definitions('Delivery', [
        ['Name', d.name],
        ['Phone', d.phone],
        ['E-mail', d.email],
        ['Address', d.address],
        ['City', d.city],
        ['Region', d.region],
        ['ZIP', d.zip],
      ]),
      definitions('Payment', [
        ['Amount', h('strong', {}, money(p.amount, p.currency))],
        ['Goods', money(p.goods_total, p.currency)],
        ['Delivery', money(p.delivery_cost, p.currency)],
        ['Customs fee', money(p.custom_fee, p.currency)],
        ['Provider', p.provider],
        ['Bank', p.bank],
        ['Paid', when(p.payment_dt)],
        ['Transaction', h('code', {}, p.transaction)],
        ['Request id', shown(p.request_id)],
      ]),
    ),
    itemsTable,
  );
}

// ── Look up ─────────────────────────────────────────────────────────────────

const lookupInput = $('#lookup-uid');
const lookupMessage = $('#lookup-message');
const orderCard = $('#order');
const orderView = $('#order-view');

const orderMessage = $('#order-message');
/** The order shown in the details card and its version, for Delete's If-Match. */
const shownOrder = { uid: null, version: null };

function showOrder(order, meta) {
  shownOrder.uid = order.order_uid;
  shownOrder.version = meta?.version ?? null;
  say(orderMessage, '');
  orderView.replaceChildren(renderOrder(order, meta));
  orderCard.hidden = false;
  orderCard.scrollIntoView({ block: 'start' });
  $('#order-title').focus({ preventScroll: true });
}

async function lookUp(uid) {
  lookupInput.value = uid;
  if (!lookupInput.checkValidity()) {
    lookupInput.setAttribute('aria-invalid', 'true');
    say(lookupMessage, 'Enter an order UID of 1 to 64 letters, digits, _ or -.', 'error');
    return;
  }
  lookupInput.removeAttribute('aria-invalid');
  say(lookupMessage, `Looking up ${uid}…`);
  try {
    const res = await api('GET', `/orders/${encodeURIComponent(uid)}`);
    if (res.status === 200) {
      const version = versionOf(res.headers.get('etag'));
      const tier = tierOf(res.headers.get('cache-status'));
      say(lookupMessage, `Found order ${uid}${version ? ` at version ${version}` : ''}${tier ? `, ${TIERS[tier].label.toLowerCase()}` : ''}.`, 'success');
      history.replaceState(null, '', `#order=${encodeURIComponent(uid)}`);
      showOrder(res.body, { version, tier });
    } else if (res.status === 404) {
      say(lookupMessage, `No order “${uid}” was found.`, 'error');
      orderCard.hidden = true;
    } else {
      lookupMessage.replaceChildren(...describeProblem(res.problem, res.status));
    }
  } catch (error) {
    networkFailure(lookupMessage, error);
  }
}

$('#lookup-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void lookUp(lookupInput.value.trim());
});

// ── Search ──────────────────────────────────────────────────────────────────

const searchMessage = $('#search-message');
const search = {
  query: null,
  /** The cursor of each page seen so far: cursors[0] is null (the first page); Previous pops. */
  cursors: [null],
  next: null,
};

async function runSearch() {
  const { field, value, limit } = search.query;
  const page = search.cursors.length;
  const params = new URLSearchParams({ [field]: value, limit: String(limit) });
  const cursor = search.cursors[page - 1];
  if (cursor) params.set('cursor', cursor);
  say(searchMessage, 'Searching…');
  try {
    const res = await api('GET', `/orders?${params}`);
    if (res.status !== 200) {
      $('#search-results').hidden = true;
      searchMessage.replaceChildren(...describeProblem(res.problem, res.status, 'The search was refused.'));
      return;
    }
    const { items, next_cursor: next } = res.body;
    search.next = next;
    const label = field === 'customer_id' ? 'customer' : 'track number';
    if (items.length === 0 && page === 1) {
      $('#search-results').hidden = true;
      say(searchMessage, `No orders for ${label} “${value}”.`, 'info');
      return;
    }
    say(
      searchMessage,
      `Page ${page}: ${items.length} order${items.length === 1 ? '' : 's'} for ${label} “${value}”${next ? ', more on the next page' : ''}.`,
      'success',
    );
    $('#search-caption').textContent = `Orders for ${label} “${value}”, newest first`;
    $('#search-rows').replaceChildren(
      ...items.map((o) =>
        h(
          'tr',
          {},
          h(
            'th',
            { scope: 'row' },
            h('button', { type: 'button', class: 'link', title: `Look up ${o.order_uid}`, onclick: () => void lookUp(o.order_uid) }, o.order_uid),
          ),
          h('td', { class: 'nowrap' }, when(o.date_created, 'short')),
          h('td', {}, h('code', {}, o.track_number)),
          h('td', { class: 'num' }, o.items.length),
          h('td', { class: 'num' }, money(o.payment.amount, o.payment.currency)),
        ),
      ),
    );
    $('#search-page').textContent = `Page ${page}`;
    $('#search-prev').disabled = page === 1;
    $('#search-next').disabled = !next;
    $('#search-results').hidden = false;
  } catch (error) {
    networkFailure(searchMessage, error);
  }
}

$('#search-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = $('#search-value');
  const value = input.value.trim();
  if (!value) {
    input.setAttribute('aria-invalid', 'true');
    say(searchMessage, 'Enter a customer ID or track number to search for.', 'error');
    return;
  }
  input.removeAttribute('aria-invalid');
  search.query = { field: $('#search-field').value, value, limit: Number($('#search-limit').value) };
  search.cursors = [null];
  void runSearch();
});

$('#search-next').addEventListener('click', () => {
  if (!search.next) return;
  search.cursors.push(search.next);
  void runSearch();
});

$('#search-prev').addEventListener('click', () => {
  if (search.cursors.length < 2) return;
  search.cursors.pop();
  void runSearch();
});

// ── Create ──────────────────────────────────────────────────────────────────

const editor = $('#create-json');
const feedback = $('#create-feedback');
let example = null;
/** The Idempotency-Key of the body last sent without a definite answer, so that resending it cannot create twice. */
let retry = { text: null, key: null };

function randomKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
}

function setInvalid(invalid) {
  if (invalid) editor.setAttribute('aria-invalid', 'true');
  else editor.removeAttribute('aria-invalid');
}

async function loadExample() {
  try {
    const res = await api('GET', '/examples/order.json');
    if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
    example = res.body;
    editor.value = JSON.stringify(example, null, 2);
  } catch (error) {
    say(feedback, `The example order could not be loaded (${error.message}); type an order instead.`, 'error');
  }
}

async function create() {
  const text = editor.value;
  try {
    JSON.parse(text);
  } catch (error) {
    setInvalid(true);
    feedback.replaceChildren(h('p', { class: 'notice error' }, h('strong', {}, 'This is not valid JSON.'), ` ${error.message}`));
    return;
  }
  if (retry.text !== text) retry = { text, key: randomKey() };
  const button = $('#create-form button[type=submit]');
  button.disabled = true;
  say(feedback, 'Creating…');
  try {
    const res = await api('POST', '/orders', { json: text, headers: { 'idempotency-key': retry.key } });
    if (res.status < 500) retry = { text: null, key: null };
    if (res.status === 201) {
      setInvalid(false);
      const order = res.body;
      const version = versionOf(res.headers.get('etag'));
      const replayed = res.headers.get('idempotent-replayed') === 'true';
      feedback.replaceChildren(
        h(
          'p',
          { class: 'notice success' },
          h('strong', {}, replayed ? 'Already created.' : 'Created.'),
          ` Order ${order.order_uid} is stored at version ${version ?? '?'}.`,
        ),
        renderOrder(order, { version, note: replayed ? 'replayed' : 'new' }),
      );
      return;
    }
    setInvalid(res.status === 400 || res.status === 422);
    const lead = {
      400: 'The body is not valid JSON.',
      409: 'Not created: the order already exists.',
      413: 'Not created: the order is too large.',
      422: 'Not created: the order is invalid.',
    }[res.status];
    feedback.replaceChildren(...describeProblem(res.problem, res.status, lead));
  } catch (error) {
    networkFailure(feedback, error);
  } finally {
    button.disabled = false;
  }
}

$('#create-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void create();
});

$('#create-format').addEventListener('click', () => {
  try {
    editor.value = JSON.stringify(JSON.parse(editor.value), null, 2);
    setInvalid(false);
  } catch (error) {
    setInvalid(true);
    feedback.replaceChildren(h('p', { class: 'notice error' }, h('strong', {}, 'This is not valid JSON.'), ` ${error.message}`));
  }
});

$('#create-reset').addEventListener('click', () => {
  if (example) editor.value = JSON.stringify(example, null, 2);
  setInvalid(false);
  feedback.replaceChildren(h('p', { class: 'placeholder' }, 'Problems with the order, or the order created, show here.'));
});

// ── Delete ──────────────────────────────────────────────────────────────────

$('#order-delete').addEventListener('click', async () => {
  const { uid, version } = shownOrder;
  if (!uid) return;
  say(orderMessage, `Deleting ${uid}…`);
  try {
    const res = await api('DELETE', `/orders/${encodeURIComponent(uid)}`, { headers: version ? { 'if-match': `"v${version}"` } : {} });
    if (res.status === 204) {
      say(orderMessage, `Order ${uid} is deleted.`, 'success');
      orderView.replaceChildren();
    } else {
      orderMessage.replaceChildren(
        ...describeProblem(res.problem, res.status, res.status === 412 ? 'Not deleted: the order changed since it was shown.' : 'Not deleted.'),
      );
    }
  } catch (error) {
    networkFailure(orderMessage, error);
  }
});

// ── Operations view (staff) ─────────────────────────────────────────────────

const SVG = 'http://www.w3.org/2000/svg';
const CHART_WIDTH = 300;
const CHART_HEIGHT = 80;

const number = (digits) => (value) => (value === null || value === undefined ? '–' : Number(value).toFixed(digits));
const scaled = (record, factor, prefix = '') => Object.fromEntries(Object.entries(record ?? {}).map(([k, v]) => [`${prefix}${k}`, v * factor]));

/** The charts of the view: each draws some series of every point. */
const CHARTS = [
  { id: 'outbox-backlog', title: 'Outbox backlog (rows)', series: (p) => ({ rows: p.outboxBacklogRows }), format: number(0) },
  { id: 'outbox-age', title: 'Outbox oldest age (s)', series: (p) => ({ age: p.outboxOldestAgeSeconds }), format: number(1) },
  {
    id: 'staleness',
    title: 'Cache staleness (s)',
    series: (p) => ({ staleness: p.stalenessSeconds, 'event age': p.eventAgeSeconds }),
    format: number(2),
  },
  {
    id: 'staleness-partition',
    title: 'Staleness per partition (s)',
    series: (p) => scaled(p.stalenessByPartition, 1, 'p'),
    format: number(1),
  },
  { id: 'lag', title: 'Consumer lag per partition', series: (p) => scaled(p.lagByPartition, 1, 'p'), format: number(0) },
  { id: 'hit-ratio', title: 'Cache hit ratio per tier (%)', series: (p) => scaled(p.hitRatioByTier, 100), format: number(0) },
  { id: 'request-rate', title: 'Requests per second', series: (p) => ({ requests: p.requestsPerSecond }), format: number(1) },
  { id: 'p99', title: 'p99 latency (ms)', series: (p) => ({ p99: p.p99Seconds === null ? null : p.p99Seconds * 1000 }), format: number(1) },
  { id: 'dead-letters', title: 'Dead letters (total)', series: (p) => ({ total: p.deadLettersTotal }), format: number(0) },
];

function svg(tag, attrs = {}) {
  const el = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) el.setAttribute(name, String(value));
  return el;
}

/** One small time-series chart: a line per series over the window, scaled from 0 to the highest value. */
function renderChart(chart, points, windowMs) {
  const names = [...new Set(points.flatMap((p) => Object.keys(chart.series(p))))];
  const end = points.length > 0 ? Date.parse(points.at(-1).at) : Date.now();
  const start = end - windowMs;
  const values = points.map((p) => ({ t: Date.parse(p.at), v: chart.series(p) }));
  const highest = Math.max(1e-9, ...values.flatMap(({ v }) => Object.values(v).filter((x) => typeof x === 'number' && Number.isFinite(x))));
  const x = (t) => (((t - start) / windowMs) * CHART_WIDTH).toFixed(1);
  const y = (v) => (CHART_HEIGHT - 2 - (v / highest) * (CHART_HEIGHT - 4)).toFixed(1);

  const plot = svg('svg', { viewBox: `0 0 ${CHART_WIDTH} ${CHART_HEIGHT}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': chart.title });
  plot.append(svg('line', { class: 'chart-axis', x1: 0, y1: CHART_HEIGHT - 1, x2: CHART_WIDTH, y2: CHART_HEIGHT - 1 }));
  names.forEach((name, i) => {
    // A missing value (a source that did not answer) breaks the line.
    let d = '';
    let pen = 'M';
    for (const { t, v } of values) {
      const value = v[name];
      if (typeof value !== 'number' || !Number.isFinite(value)) {
        pen = 'M';
        continue;
      }
      d += `${pen}${x(t)},${y(value)} `;
      pen = 'L';
    }
    if (d) plot.append(svg('path', { class: `chart-line series-${i % 6}`, d: d.trim(), 'data-series': name }));
  });

  const latestPoint = points.at(-1);
  const latest = latestPoint ? chart.series(latestPoint) : {};
  const first = names.length > 0 ? latest[names[0]] : null;
  const figure = h(
    'figure',
    { class: 'chart', 'data-chart': chart.id, 'data-points': points.length, 'data-latest': typeof first === 'number' ? String(first) : '' },
    h('figcaption', {}, h('span', {}, chart.title), h('span', { class: 'chart-latest' }, names.length > 0 ? chart.format(first) : '–')),
    plot,
  );
  if (names.length > 1) {
    figure.append(
      h(
        'ul',
        { class: 'chart-legend' },
        names.map((name, i) => h('li', {}, h('span', { class: `swatch series-${i % 6}`, 'aria-hidden': 'true' }), `${name} ${chart.format(latest[name])}`)),
      ),
    );
  }
  return figure;
}

/** Polls the view's data while a staff token is in use; a token without access hides the view. */
const operations = { generation: 0, timer: null };

function stopOperations() {
  operations.generation += 1;
  clearTimeout(operations.timer);
  $('#operations').hidden = true;
  $('#operations-charts').replaceChildren();
}

async function pollOperations(generation) {
  if (generation !== operations.generation) return;
  let intervalMs = 5_000;
  try {
    const res = await api('GET', '/operations/series');
    if (generation !== operations.generation) return;
    if (res.status === 401 || res.status === 403) {
      stopOperations();
      return;
    }
    if (res.status !== 200 || !res.body) {
      say($('#operations-message'), `The operations view could not be read (HTTP ${res.status}).`, 'error');
    } else {
      intervalMs = Math.max(250, res.body.interval_ms);
      $('#operations').hidden = false;
      const failing = res.body.sources.filter((source) => !source.ok);
      say($('#operations-message'), failing.length ? `Not answering: ${failing.map((f) => `${f.url} (${f.error ?? 'no answer'})`).join(', ')}` : '', 'error');
      $('#operations-charts').replaceChildren(...CHARTS.map((chart) => renderChart(chart, res.body.points, res.body.window_ms)));
    }
  } catch (error) {
    if (generation !== operations.generation) return;
    networkFailure($('#operations-message'), error);
  }
  operations.timer = setTimeout(() => void pollOperations(generation), intervalMs);
}

function startOperations() {
  stopOperations();
  if (session.token) void pollOperations(operations.generation);
}

// ── Sign in ─────────────────────────────────────────────────────────────────

const signInStatus = $('#sign-in-status');

function useToken(token, label) {
  session.token = token;
  session.label = label;
  say(signInStatus, token ? `Signed in as ${label}.` : 'Signed out: the API answers order requests only with an access token.', token ? 'success' : 'info');
  startOperations();
}

/** The development issuer's sign-in, when the server names one (./scripts/up does). */
async function offerDevelopmentSignIn() {
  try {
    const res = await fetch('/web-config.json', { cache: 'no-cache' });
    const config = res.ok ? await res.json() : {};
    if (!config.dev_sign_in_url) return;
    const form = $('#sign-in-dev');
    form.hidden = false;
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const as = $('#sign-in-as').value;
      const customer = $('#sign-in-customer').value.trim();
      if (as === 'customer' && !/^[\w.:@-]{1,64}$/.test(customer)) {
        say(signInStatus, 'Enter the customer ID to sign in as (letters, digits, _ . : @ -).', 'error');
        return;
      }
      const body = as === 'customer' ? { customer_id: customer } : as === 'reader' ? { scope: 'orders:read orders:read:all' } : {};
      try {
        const answer = await fetch(config.dev_sign_in_url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const token = answer.ok ? await answer.json() : null;
        if (!token?.access_token) throw new Error(`the issuer answered ${answer.status}`);
        useToken(token.access_token, as === 'customer' ? `customer ${customer}` : as === 'reader' ? 'read-only staff' : 'staff');
      } catch (error) {
        say(signInStatus, `Sign-in failed (${error.message}). Is the development issuer running (./scripts/up)?`, 'error');
      }
    });
  } catch {
    // Without the server's hints the pasted token still works.
  }
}

$('#sign-in-token').addEventListener('submit', (event) => {
  event.preventDefault();
  const pasted = $('#sign-in-paste').value.trim();
  $('#sign-in-paste').value = '';
  if (pasted) useToken(pasted, 'the pasted token');
});
$('#sign-out').addEventListener('click', () => useToken(null, null));

// ── Start ───────────────────────────────────────────────────────────────────

void offerDevelopmentSignIn();

void loadExample();
const linked = /^#order=(.+)$/.exec(location.hash);
if (linked) void lookUp(decodeURIComponent(linked[1]));
