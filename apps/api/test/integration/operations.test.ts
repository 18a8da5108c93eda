import { expect } from 'chai';
import { anOrder } from '@order-service/domain/testing';
import { call, createTestTopic, deleteTestTopic, startApi, type RunningApi } from '../support/api-harness.js';
import { uniqueName } from '../../../../test/support/environment.js';

describe('API operations: metrics, readiness, PostgreSQL outage (real servers)', () => {
  let topic: string;
  before(async () => {
    topic = await createTestTopic();
  });
  after(async () => {
    await deleteTestTopic(topic);
  });

  describe('with every dependency up', () => {
    let api: RunningApi;
    before(async () => {
      api = await startApi({ KAFKA_TOPIC: topic });
    });
    after(async () => {
      await api?.stop();
    });

    it('is live and ready on the admin port, naming each check', async () => {
      expect((await call(api.url, 'GET', '/healthz')).status).to.equal(200);
      expect((await call(api.adminUrl, 'GET', '/healthz')).status).to.equal(200);
      const ready = await call(api.adminUrl, 'GET', '/readyz');
      expect(ready.status).to.equal(200);
      expect(ready.body.checks.postgres).to.deep.equal({ ok: true });
    });

    it('exposes Prometheus metrics: request durations by route, reads by tier, outbox backlog, process metrics', async () => {
      const order = anOrder()
        .with({ order_uid: uniqueName('m').replace(/[^A-Za-z0-9_-]/g, '') })
        .build();
      await call(api.url, 'POST', '/orders', { json: order });
      await call(api.url, 'GET', `/orders/${order.order_uid}`);
      await call(api.url, 'GET', `/orders/missing-${order.order_uid}`);
      const res = await fetch(`${api.adminUrl}/metrics`);
      expect(res.headers.get('content-type')).to.match(/^text\/plain/);
      const text = await res.text();
      expect(text).to.match(/http_request_duration_seconds_count\{[^}]*route="\/orders\/:uid"[^}]*status="200"[^}]*\} [1-9]/);
      expect(text).to.match(/http_request_duration_seconds_count\{[^}]*route="\/orders"[^}]*status="201"[^}]*\} [1-9]/);
      expect(text).to.match(/order_reads_total\{[^}]*tier="lru"[^}]*\} [1-9]/);
      expect(text).to.match(/order_reads_total\{[^}]*tier="miss"[^}]*\} [1-9]/);
      expect(text).to.match(/^outbox_backlog_rows\{[^}]*\} \d+/m);
      expect(text).to.match(/^outbox_oldest_age_seconds\{[^}]*\} [\d.]+/m);
      expect(text).to.match(/^process_cpu_user_seconds_total\{[^}]*\} [\d.]+/m);
      expect(text).to.match(/^service_ready\{[^}]*\} 1$/m);
      expect(text).to.match(/^readiness_check_ok\{check="postgres"[^}]*\} 1$/m);
      expect(text).to.match(/^order_redis_tier_failing\{[^}]*\} 0$/m);
      expect(text).to.match(/^outbox_last_published_event_timestamp_seconds\{[^}]*\} [\d.e+]+$/m);
    });

    it('keeps /metrics and /readyz off the public port', async () => {
      for (const path of ['/metrics', '/readyz']) {
        const res = await call(api.url, 'GET', path);
        expect(res.status, path).to.equal(404);
        expect(res.body.type, path).to.equal('/problems/not-found');
      }
      expect((await call(api.adminUrl, 'GET', '/orders')).status, 'no order routes on the admin port').to.equal(404);
    });
  });

  describe('with PostgreSQL unreachable', () => {
    let api: RunningApi;
    before(async () => {
      api = await startApi({
        KAFKA_TOPIC: topic,
        DATABASE_URL: 'postgres://postgres@127.0.0.1:1/orders_test',
      });
    });
    after(async () => {
      await api?.stop();
    });

    it('answers reads and writes with 503 and Retry-After, never 500', async () => {
      const read = await call(api.url, 'GET', '/orders/some-order');
      expect(read.status).to.equal(503);
      expect(read.headers.get('retry-after')).to.match(/^\d+$/);
      expect(read.headers.get('content-type')).to.match(/^application\/problem\+json/);
      const write = await call(api.url, 'POST', '/orders', { json: anOrder().build() });
      expect(write.status).to.equal(503);
      const search = await call(api.url, 'GET', '/orders?limit=5');
      expect(search.status).to.equal(503);
    });

    it('reports not ready, naming PostgreSQL', async () => {
      const ready = await call(api.adminUrl, 'GET', '/readyz');
      expect(ready.status).to.equal(503);
      expect(ready.body.checks.postgres.ok).to.equal(false);
      expect(ready.body.checks.postgres.error).to.be.a('string');
    });
  });
});
