import { expect } from 'chai';
import { anOrder } from '@order-service/domain/testing';
import { call, createTestTopic, deleteTestTopic, startApi, type RunningApi } from '../support/api-harness.js';
import { readTopicUntil } from '../support/topic-reader.js';
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
      expect(ready.body.checks.listening, 'ready only once the public port listens').to.deep.equal({ ok: true });
      expect(ready.body.checks['outbox-notifications'], 'listening: no detail').to.deep.equal({ ok: true });
    });

    it('reports the topic as provisioned as configured (kafka_topic_underprovisioned 0)', async () => {
      for (let i = 0; i < 100; i += 1) {
        const text = await (await fetch(`${api.adminUrl}/metrics`)).text();
        if (text.includes('kafka_topic_underprovisioned{')) {
          expect(text).to.match(new RegExp(`^kafka_topic_underprovisioned\\{topic="${topic}",aspect="partitions"[^}]*\\} 0$`, 'm'));
          expect(text).to.match(new RegExp(`^kafka_topic_underprovisioned\\{topic="${topic}",aspect="replication_factor"[^}]*\\} 0$`, 'm'));
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect.fail('the topic check did not answer within 10 s');
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

  describe('with DATABASE_LISTEN_URL naming a server that does not answer', () => {
    let api: RunningApi;
    before(async () => {
      api = await startApi({ KAFKA_TOPIC: topic, DATABASE_LISTEN_URL: 'postgres://postgres@127.0.0.1:1/orders_test', OUTBOX_POLL_INTERVAL_MS: '200' });
    });
    after(async () => {
      await api?.stop();
    });

    it('stays ready, says in /readyz that the relay polls, and still publishes every write', async () => {
      // The in-process cache (CACHE_BACKEND=lru) reads the topic first.
      let ready = await call(api.adminUrl, 'GET', '/readyz');
      for (let i = 0; i < 150 && ready.status !== 200; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        ready = await call(api.adminUrl, 'GET', '/readyz');
      }
      expect(ready.status, ready.text).to.equal(200);
      expect(ready.body.checks['outbox-notifications'].ok).to.equal(true);
      expect(ready.body.checks['outbox-notifications'].detail).to.match(/LISTEN connection down: the relay polls the outbox every 200 ms/);
      const order = anOrder()
        .with({ order_uid: uniqueName('listen').replace(/[^A-Za-z0-9_-]/g, '') })
        .build();
      expect((await call(api.url, 'POST', '/orders', { json: order })).status).to.equal(201);
      await readTopicUntil(topic, (records) => records.some((r) => r.key === order.order_uid), { timeoutMs: 15_000 });
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
