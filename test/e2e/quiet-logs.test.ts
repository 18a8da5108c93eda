/**
 * While the broker is down, each app writes a handful of lines about it (it
 * went down, a summary at most every 30 s), then one line when it is back,
 * however often librdkafka retries meanwhile. The broker is the test's own,
 * and the fault is real: its JVM is killed, then started again.
 */
import { expect } from 'chai';
import { anOrder } from '@order-service/domain/testing';
import { createKafka, deadLetterTopicSpec, ensureTopics, ordersTopicSpec } from '@order-service/kafka';
import { createTestDatabase, quietKafkaLog, type TestDatabase } from '../../apps/api/test/support/api-harness.js';
import { startAppProcess, waitForOk, type AppLine, type AppProcess } from '../support/app-process.js';
import { testEnvironment, uniqueName } from '../support/environment.js';
import { OwnKafkaBroker } from '../support/own-kafka-broker.js';

const OUTAGE_MS = 20_000;
const API_PORT = 19_400;
const PROJECTOR_PORT = 19_402;

/** Lines about the broker: the Kafka client's own and every state line naming Kafka or the relay's publishing. */
function aboutKafka(line: AppLine): boolean {
  return line.component === 'kafka' || line.dependency === 'kafka' || /kafka|broker|outbox publish/i.test(String(line.msg));
}

describe('quiet logs: a 20 s broker outage is a few lines per app (own broker, killed and restarted)', function () {
  this.timeout(240_000);
  const broker = new OwnKafkaBroker(19_490);
  const topic = uniqueName('quiet-logs');
  let database: TestDatabase;
  let api: AppProcess | undefined;
  let projector: AppProcess | undefined;

  before(async () => {
    await broker.start();
    const admin = createKafka({ brokers: [broker.address], clientId: 'quiet-logs-admin', logger: quietKafkaLog }).admin();
    await admin.connect();
    await ensureTopics(admin, [ordersTopicSpec(topic), deadLetterTopicSpec(`${topic}.dlq`)]);
    await admin.disconnect();
    database = await createTestDatabase('orders_quiet');
  });

  after(async () => {
    await api?.stop();
    await projector?.stop();
    await broker.remove();
    await database?.drop();
  });

  async function post(): Promise<void> {
    const res = await fetch(`http://127.0.0.1:${API_PORT}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(
        anOrder()
          .with({ order_uid: uniqueName('quiet') })
          .build(),
      ),
    });
    await res.arrayBuffer();
    expect(res.status).to.equal(201);
  }

  it('writes at most a handful of lines per app while the broker is down, then one line when it is back', async () => {
    const shared = { KAFKA_BROKERS: broker.address, KAFKA_TOPIC: topic, REDIS_URL: testEnvironment.redisUrl, REDIS_KEY_PREFIX: uniqueName('quiet') };
    api = startAppProcess('api', {
      ...shared,
      PORT: String(API_PORT),
      ADMIN_PORT: String(API_PORT + 1),
      DATABASE_URL: database.url,
      CACHE_BACKEND: 'redis',
      AUTH_REQUIRED: 'false',
    });
    projector = startAppProcess('projector', {
      ...shared,
      PROJECTOR_PORT: String(PROJECTOR_PORT),
      KAFKA_DLQ_TOPIC: `${topic}.dlq`,
      KAFKA_GROUP_ID: uniqueName('quiet-group'),
    });
    await waitForOk(`http://127.0.0.1:${API_PORT + 1}/readyz`);
    await waitForOk(`http://127.0.0.1:${PROJECTOR_PORT}/readyz`);
    // A write, so that the relay's producer is connected when the broker goes.
    await post();
    await api.waitForLine((line) => line.msg === 'outbox relay started');
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    const fromApi = api.lines.length;
    const fromProjector = projector.lines.length;
    broker.kill();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS / 2));
    // Writes go on while Kafka is down: they wait in the outbox.
    await post();
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS / 2));
    const duringApi = api.lines.slice(fromApi).filter(aboutKafka);
    const duringProjector = projector.lines.slice(fromProjector).filter(aboutKafka);

    await broker.start();
    const apiBack = await api.waitForLine((line) => line.msg === 'kafka is back', 60_000, fromApi);
    const projectorBack = await projector.waitForLine((line) => line.msg === 'kafka is back', 60_000, fromProjector);
    await new Promise((resolve) => setTimeout(resolve, 3_000));

    for (const [name, during, app] of [
      ['api', duringApi, api],
      ['projector', duringProjector, projector],
    ] as const) {
      const text = during.map((line) => `${line.level} ${line.msg}`);
      expect(text, `${name} during the outage`).to.include('warn kafka is down');
      expect(during.length, `${name} during the outage:\n${text.join('\n')}`).to.be.within(1, 5);
      const from = name === 'api' ? fromApi : fromProjector;
      expect(
        app.lines.slice(from).filter((line) => line.msg === 'kafka is back'),
        `${name}: one line when it is back; before the outage: ${JSON.stringify(app.lines.slice(0, from).filter(aboutKafka))}`,
      ).to.have.length(1);
    }
    expect(Number(apiBack.down_for_ms)).to.be.at.least(OUTAGE_MS - 2_000);
    expect(Number(projectorBack.down_for_ms)).to.be.at.least(OUTAGE_MS - 2_000);
  });
});
