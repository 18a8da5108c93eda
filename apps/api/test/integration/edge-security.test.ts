/**
 * What every answer carries and what no body may: the security headers, CORS
 * closed unless configured, prototype keys refused, and a key set that cannot
 * be fetched answered as an outage rather than the token's fault.
 */
import { readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { call, createTestTopic, deleteTestTopic, startApi, type RunningApi } from '../support/api-harness.js';
import { uniqueName } from '../../../../test/support/environment.js';

const example = JSON.parse(readFileSync(new URL('../../../../docs/examples/order.example.json', import.meta.url), 'utf8')) as Record<string, unknown>;

describe('the edge: security headers, CORS, prototype keys (real PostgreSQL and Kafka)', function () {
  let api: RunningApi;
  let topic: string;

  before(async () => {
    topic = await createTestTopic();
    api = await startApi({ KAFKA_TOPIC: topic, CORS_ORIGINS: 'https://shop.example' });
  });
  after(async () => {
    await api?.stop();
    await deleteTestTopic(topic);
  });

  it("puts the API's security headers on every answer, and helmet's whole set on the page and the docs", async () => {
    for (const [path, token, document] of [
      ['/orders?limit=1', undefined, false],
      ['/orders/none', null, false],
      ['/', null, true],
      ['/docs', null, true],
      ['/openapi.json', null, true],
      ['/docs/assets/swagger-ui.css', null, true],
    ] as const) {
      const res = await call(api.url, 'GET', path, token === null ? { token } : {});
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp, path).to.include("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options'), path).to.equal('nosniff');
      expect(res.headers.get('strict-transport-security'), path).to.match(/max-age=\d+/);
      expect(res.headers.get('x-frame-options'), path).to.equal('DENY');
      expect(res.headers.get('cross-origin-resource-policy'), path).to.equal('same-origin');
      expect(res.headers.get('x-powered-by'), path).to.equal(null);
      if (document) {
        expect(csp, path).to.include("default-src 'self'").and.include("script-src 'self'");
        expect(csp, `${path}: no inline script`).to.not.match(/script-src[^;]*unsafe-inline/);
        expect(res.headers.get('referrer-policy'), path).to.equal('no-referrer');
        expect(res.headers.get('cross-origin-opener-policy'), path).to.equal('same-origin');
      } else {
        expect(csp, `${path}: a JSON answer loads nothing`).to.equal("default-src 'none';frame-ancestors 'none'");
        expect(res.headers.get('cross-origin-opener-policy'), `${path}: a document's header only`).to.equal(null);
      }
    }
  });

  it('answers only the configured origins cross-origin', async () => {
    const allowed = await call(api.url, 'GET', '/orders?limit=1', { headers: { origin: 'https://shop.example' } });
    expect(allowed.headers.get('access-control-allow-origin')).to.equal('https://shop.example');
    expect(allowed.headers.get('access-control-expose-headers')).to.include('ETag');
    const preflight = await call(api.url, 'OPTIONS', '/orders', {
      token: null,
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
    expect(preflight.status).to.equal(204);
    expect(preflight.headers.get('access-control-allow-headers')).to.match(/Authorization/i);
    const other = await call(api.url, 'GET', '/orders?limit=1', { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).to.equal(null);
  });

  it('refuses __proto__, constructor and prototype keys anywhere in a body with 422 naming each path, storing nothing', async () => {
    const orderUid = uniqueName('proto').replace(/[^A-Za-z0-9_-]/g, '');
    const body = `{"__proto__": {"admin": true}, ${JSON.stringify({ ...example, order_uid: orderUid })
      .slice(1, -1)
      .replace('"delivery":{', '"delivery":{"constructor":{"prototype":{}},')}}`;
    const res = await call(api.url, 'POST', '/orders', { body, headers: { 'content-type': 'application/json' } });
    expect(res.status).to.equal(422);
    expect(res.body.errors).to.deep.equal([
      { path: '/__proto__', message: 'is not allowed' },
      { path: '/delivery/constructor', message: 'is not allowed' },
    ]);
    const put = await call(api.url, 'PUT', `/orders/${orderUid}`, { body: `{"items":[{"prototype":1}]}`, headers: { 'content-type': 'application/json' } });
    expect(put.status).to.equal(422);
    expect(put.body.errors).to.deep.equal([{ path: '/items/0/prototype', message: 'is not allowed' }]);
    expect((await call(api.url, 'GET', `/orders/${orderUid}`)).status).to.equal(404);
  });

  it("answers 503 with Retry-After when the issuer's key set cannot be fetched", async () => {
    const blind = await startApi({ KAFKA_TOPIC: topic, AUTH_JWKS_URL: 'http://127.0.0.1:1/.well-known/jwks.json' });
    try {
      const res = await call(blind.url, 'GET', '/orders?limit=1');
      expect(res.status).to.equal(503);
      expect(res.headers.get('retry-after')).to.match(/^\d+$/);
    } finally {
      await blind.stop();
    }
  });
});

describe('CORS without CORS_ORIGINS (real PostgreSQL and Kafka)', function () {
  let api: RunningApi;
  let topic: string;
  before(async () => {
    topic = await createTestTopic();
    api = await startApi({ KAFKA_TOPIC: topic });
  });
  after(async () => {
    await api?.stop();
    await deleteTestTopic(topic);
  });

  it('is closed: no Access-Control headers, and a preflight is not answered', async () => {
    const res = await call(api.url, 'GET', '/orders?limit=1', { headers: { origin: 'https://shop.example' } });
    expect(res.status).to.equal(200);
    expect(res.headers.get('access-control-allow-origin')).to.equal(null);
    const preflight = await call(api.url, 'OPTIONS', '/orders', {
      token: null,
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.headers.get('access-control-allow-origin')).to.equal(null);
    expect(preflight.status).to.not.equal(204);
  });
});

describe('personal data in the logs (real PostgreSQL and Kafka, every line at debug)', function () {
  it("never writes a delivery's name, phone or e-mail, nor a payment's transaction, while orders are created, refused and read", async () => {
    const lines: string[] = [];
    const destination = new PassThrough();
    destination.on('data', (chunk: Buffer) => lines.push(...chunk.toString('utf8').split('\n').filter(Boolean)));
    const topic = await createTestTopic();
    const api = await startApi({ KAFKA_TOPIC: topic, LOG_LEVEL: 'debug' }, { logDestination: destination });
    const person = { name: 'Ivana Lichnaya', phone: '+79161234567', email: 'ivana.lichnaya@mail.example' };
    const transaction = uniqueName('tx-personal');
    try {
      const order = { ...example, delivery: { ...(example.delivery as object), ...person }, payment: { ...(example.payment as object), transaction } };
      const created = await call(api.url, 'POST', '/orders', { json: order, headers: { 'idempotency-key': uniqueName('pd') } });
      expect(created.status).to.equal(201);
      expect((await call(api.url, 'GET', `/orders/${String(created.body.order_uid)}`)).status).to.equal(200);
      const refused = await call(api.url, 'POST', '/orders', {
        json: { ...order, delivery: { ...order.delivery, email: `${person.name} <${person.email}>` } },
      });
      expect(refused.status).to.equal(422);
    } finally {
      await api.stop();
      await deleteTestTopic(topic);
    }
    expect(lines.length, 'the API logged at debug').to.be.above(3);
    for (const line of lines) for (const value of [...Object.values(person), transaction]) expect(line, value).to.not.include(value);
  });
});
