// A real Prometheus scrapes both apps' admin ports with deploy/prometheus/rules.yml: the cache-staleness alert
// fires while the projector is stopped and orders are written, and resolves once the projector is back.
import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { parse, stringify } from 'yaml';
import { anOrder } from '@order-service/domain/testing';
import { buildApp as buildProjector, type ProjectorApp } from '../../apps/cache-projector/src/composition-root.js';
import { projectorEnvironment, testLogger, type ProjectorSetting } from '../../apps/cache-projector/test/support/projector-instances.js';
import { loadProjectorConfig } from '../../apps/cache-projector/src/config.js';
import { call, createTestTopic, deleteTestTopic, startApi, type RunningApi } from '../../apps/api/test/support/api-harness.js';
import { uniqueName } from '../support/environment.js';
import { PrometheusServer, type PrometheusAlert } from '../support/prometheus-server.js';

/** In the ops helper's port range (19500-19599), away from the dev stack. */
const PROMETHEUS_PORT = 19_520;

interface Rule {
  alert?: string;
  record?: string;
  expr: string;
  for?: string;
}

/**
 * rules.yml as shipped, but ProjectionStale with `for: 2s` and a 3 s threshold
 * instead of 1m and 30 s, so that the test waits seconds, not minutes. Every
 * other rule, and the recording rule the alert reads, are evaluated as written.
 */
function rulesForTest(): string {
  const rules = parse(readFileSync(new URL('../../deploy/prometheus/rules.yml', import.meta.url), 'utf8')) as { groups: Array<{ rules: Rule[] }> };
  const stale = rules.groups.flatMap((g) => g.rules).find((r) => r.alert === 'ProjectionStale');
  if (!stale) throw new Error('rules.yml has no ProjectionStale alert');
  expect(stale.expr).to.equal('order_service:projection_staleness_seconds > 30');
  stale.expr = 'order_service:projection_staleness_seconds > 3';
  stale.for = '2s';
  return stringify(rules);
}

let diagnose: () => Promise<string> = async () => '';

async function eventually<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${await diagnose()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('Prometheus alerts on the running system (real Prometheus, PostgreSQL, Redis, Kafka)', function () {
  this.timeout(120_000);
  let topic: string;
  let api: RunningApi;
  let projector: ProjectorApp | undefined;
  let projectorPort: number;
  let prometheus: PrometheusServer | undefined;
  let setting: ProjectorSetting;

  const startProjectorOn = async (port: number): Promise<number> => {
    projector = buildProjector(loadProjectorConfig({ env: { ...projectorEnvironment(setting), PROJECTOR_PORT: String(port) } }), testLogger());
    return (await projector.start()).port;
  };
  const staleAlert = async (): Promise<PrometheusAlert | undefined> => (await prometheus!.alerts()).find((a) => a.labels.alertname === 'ProjectionStale');
  const writeOrder = async (): Promise<void> => {
    const res = await call(api.url, 'POST', '/orders', {
      json: anOrder()
        .with({ order_uid: uniqueName('alert').replace(/[^A-Za-z0-9_-]/g, '') })
        .build(),
    });
    expect(res.status).to.equal(201);
  };

  before(async () => {
    diagnose = async () => {
      if (!prometheus) return '';
      const exprs = [
        'outbox_last_published_event_timestamp_seconds',
        'max_over_time(projection_last_applied_event_timestamp_seconds[1h])',
        'order_service:projection_staleness_seconds',
        'up',
      ];
      const values = await Promise.all(exprs.map(async (e) => `${e}: ${JSON.stringify(await prometheus!.query(e))}`));
      return `\n${values.join('\n')}\nalerts: ${JSON.stringify(await prometheus.alerts())}`;
    };
    topic = await createTestTopic('e2e-alerts');
    const keyPrefix = uniqueName('alerts');
    setting = { topic, deadLetterTopic: `${topic}.dlq`, groupId: uniqueName('alerts-group'), keyPrefix };
    projectorPort = await startProjectorOn(0);
    api = await startApi({ KAFKA_TOPIC: topic, CACHE_BACKEND: 'redis', REDIS_KEY_PREFIX: keyPrefix, CACHE_INVALIDATION_CHANNEL: `${keyPrefix}:invalidate` });
    prometheus = await PrometheusServer.start({
      port: PROMETHEUS_PORT,
      rules: rulesForTest(),
      jobs: [
        { job: 'order-api', targets: [new URL(api.adminUrl).host] },
        { job: 'order-cache-projector', targets: [`127.0.0.1:${projectorPort}`] },
      ],
    });
  });
  after(async () => {
    await prometheus?.stop();
    await projector?.stop();
    await api?.stop();
    await deleteTestTopic(topic);
  });

  it('fires ProjectionStale while the projector is stopped and orders are written, and resolves once it is back', async () => {
    // Both sides of the staleness are reported once an order went through: published by the API, applied by the projector.
    await writeOrder();
    await eventually('both watermarks scraped', async () => {
      const [published] = await prometheus!.query('max(outbox_last_published_event_timestamp_seconds) > 0');
      const [applied] = await prometheus!.query('max(projection_last_applied_event_timestamp_seconds) >= max(outbox_last_published_event_timestamp_seconds)');
      return published && applied ? true : undefined;
    });
    expect(await staleAlert()).to.equal(undefined);

    await projector!.stop();
    projector = undefined;
    // Writes keep coming; none reaches Redis.
    const writing = setInterval(() => void writeOrder().catch(() => undefined), 500);
    try {
      const firing = await eventually('ProjectionStale firing', async () => {
        const alert = await staleAlert();
        return alert?.state === 'firing' ? alert : undefined;
      });
      expect(Number(firing.value)).to.be.greaterThan(3);
      expect(firing.annotations.summary).to.match(/^The cache has lacked published order events for .+: reads from Redis are stale\.$/);
      expect(firing.annotations.runbook_url).to.equal('README.md#projectionstale');
    } finally {
      clearInterval(writing);
    }

    await startProjectorOn(projectorPort);
    await eventually('ProjectionStale resolved', async () => ((await staleAlert()) === undefined ? true : undefined));
    const [staleness] = await prometheus!.query('order_service:projection_staleness_seconds');
    expect(Number(staleness?.value[1])).to.be.lessThan(3);
  });
});
