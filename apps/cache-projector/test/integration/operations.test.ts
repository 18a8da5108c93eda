import { Writable } from 'node:stream';
import { expect } from 'chai';
import winston from 'winston';
import { uniqueName } from '../../../../test/support/environment.js';
import { anUpsert } from '../../../../packages/projection/test/support/order-events.js';
import { buildApp, type ProjectorApp } from '../../src/composition-root.js';
import { createTopics, deleteTopics, produceEvents, testKafka } from '../support/kafka-fixtures.js';
import { projectorConfig, testLogger } from '../support/projector-instances.js';
import { waitFor } from '../../../../test/support/wait-for.js';

describe('cache projector operations: health, readiness, metrics (real Kafka and Redis)', () => {
  const topic = uniqueName('it-projector-ops');
  const deadLetterTopic = `${topic}.dlq`;
  const kafka = testKafka();
  const admin = kafka.admin();
  let app: ProjectorApp;
  let url: string;
  const logLines: Array<Record<string, unknown>> = [];

  before(async () => {
    await admin.connect();
    await createTopics(admin, topic, deadLetterTopic);
    const logger = testLogger('debug');
    logger.clear();
    logger.add(
      new winston.transports.Stream({
        stream: new Writable({
          write(chunk: Buffer, _encoding, done) {
            logLines.push(JSON.parse(chunk.toString('utf8')) as Record<string, unknown>);
            done();
          },
        }),
      }),
    );
    app = buildApp(projectorConfig({ topic, deadLetterTopic, groupId: uniqueName('ops-group'), keyPrefix: uniqueName('ops') }), logger);
    const { port } = await app.start();
    url = `http://127.0.0.1:${port}`;
  });

  after(async () => {
    await app?.stop();
    await deleteTopics(admin, [topic, deadLetterTopic]);
    await admin.disconnect();
  });

  it('is live and ready once it joined its consumer group, naming Redis, Kafka and the group', async () => {
    expect((await fetch(`${url}/healthz`)).status).to.equal(200);
    // Redis connects in the background after start() and the group assigns partitions a moment later, so readiness may take a moment to turn green.
    const ready = await waitFor('the projector to report ready', async () => {
      const res = await fetch(`${url}/readyz`);
      return res.status === 200 ? res : undefined;
    });
    expect(((await ready.json()) as { checks: object }).checks).to.deep.equal({ redis: { ok: true }, kafka: { ok: true }, 'consumer-group': { ok: true } });
  });

  it('counts applied events, dead letters, apply latency, event age, and lag and newest applied event per partition', async () => {
    const producer = kafka.producer();
    await producer.connect();
    await produceEvents(producer, topic, [anUpsert('ops-1', 1), anUpsert('ops-1', 2), { ...anUpsert('ops-2', 1), request_id: 'trace-me-123' }]);
    await producer.send({ topic, messages: [{ key: 'ops-3', value: 'not an event' }] });
    await producer.disconnect();

    await waitFor('the batch to be applied', () => app.counters.applied >= 3 && app.counters.deadLettered >= 1);
    const res = await fetch(`${url}/metrics`);
    expect(res.headers.get('content-type')).to.match(/^text\/plain/);
    const text = await res.text();
    expect(text).to.match(/^projection_events_applied_total\{[^}]*\} 3$/m);
    expect(text).to.match(/^projection_dead_letters_total\{[^}]*\} 1$/m);
    expect(text).to.match(/^projection_apply_duration_seconds_count\{[^}]*\} [1-9]/m);
    // The events say they happened at the start of 2025: every batch is older than the top bucket, and the sum says by how much.
    const ageSum = Number(/^projection_event_age_seconds_sum\{[^}]*\} (\S+)$/m.exec(text)?.[1]);
    expect(ageSum).to.be.at.least((Date.now() - Date.parse('2025-01-01T00:00:00Z')) / 1000 - 60);
    expect(text).to.match(/^projection_event_age_seconds_bucket\{le="300"[^}]*\} 0$/m);
    expect(text).to.match(/^projection_event_age_seconds_count\{[^}]*\} [1-9]/m);
    expect(text).to.match(/^projection_consumer_lag\{[^}]*partition="\d"[^}]*\} \d+$/m);
    expect(text).to.match(/^process_resident_memory_bytes\{[^}]*\} \d+/m);
    // The newest event applied happened at the start of 2025 or later (the events' occurred_at), not at the scrape.
    const newest = Number(/^projection_last_applied_event_timestamp_seconds\{[^}]*topic="[^"]+"[^}]*\} (\S+)$/m.exec(text)?.[1]);
    expect(newest)
      .to.be.at.least(Date.parse('2025-01-01T00:00:00Z') / 1000)
      .and.below(Date.now() / 1000 - 60);
    // Per partition the same, each partition's own newest: the newest of them is the topic's.
    const byPartition = [...text.matchAll(/^projection_partition_last_applied_event_timestamp_seconds\{[^}]*partition="(\d+)"[^}]*\} (\S+)$/gm)].map((m) =>
      Number(m[2]),
    );
    expect(byPartition).to.have.length.above(0);
    for (const at of byPartition)
      expect(at)
        .to.be.at.least(Date.parse('2025-01-01T00:00:00Z') / 1000)
        .and.at.most(newest);
    expect(Math.max(...byPartition)).to.equal(newest);
    expect(text).to.match(/^service_ready\{[^}]*\} 1$/m);
    expect(text).to.match(/^readiness_check_ok\{check="kafka"[^}]*\} 1$/m);
  });

  it('logs each projected event with the request_id of the write that caused it', () => {
    const line = logLines.find((l) => l.msg === 'event projected' && l.order_uid === 'ops-2');
    expect(line).to.include({ request_id: 'trace-me-123', version: 1, outcome: 'applied', level: 'debug' });
  });
});
