/**
 * OpenTelemetry end to end: a real OTLP/HTTP receiver on loopback (a small
 * node http server taking the exporter's JSON), both apps as real processes.
 * One POST and its projection give one trace across both processes: the HTTP
 * request, its SQL, the relay's publish and the projector's apply, with the
 * Kafka messaging attributes. Without OTEL_* nothing is exported, and the SDK
 * is not even loaded.
 */
import { once } from 'node:events';
import { readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect } from 'chai';
import { anOrder } from '@order-service/domain/testing';
import { createTestDatabase, createTestTopic, deleteTestTopic, type TestDatabase } from '../../apps/api/test/support/api-harness.js';
import { startAppProcess, waitForOk, type AppProcess } from '../support/app-process.js';
import { testEnvironment, uniqueName } from '../support/environment.js';

const RECEIVER_PORT = 19_420;
const API_PORT = 19_410;
const PROJECTOR_PORT = 19_412;

interface OtlpValue {
  stringValue?: string;
  intValue?: number | string;
  boolValue?: boolean;
}
interface OtlpAttribute {
  key: string;
  value: OtlpValue;
}
interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes?: OtlpAttribute[];
  links?: Array<{ traceId: string; spanId: string; attributes?: OtlpAttribute[] }>;
}
interface ReceivedSpan extends OtlpSpan {
  service: string;
}

const SPAN_KIND = { server: 2, producer: 4, consumer: 5 };

function attribute(attributes: OtlpAttribute[] | undefined, key: string): string | number | boolean | undefined {
  const value = attributes?.find((a) => a.key === key)?.value;
  if (!value) return undefined;
  if (value.intValue !== undefined) return Number(value.intValue);
  return value.stringValue ?? value.boolValue;
}

/** An OTLP/HTTP trace receiver: keeps every span posted to /v1/traces as JSON. */
class OtlpReceiver {
  readonly spans: ReceivedSpan[] = [];
  requests = 0;
  private readonly server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      this.requests += 1;
      if (req.url === '/v1/traces' && String(req.headers['content-type']).startsWith('application/json')) {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans?: Array<{ resource?: { attributes?: OtlpAttribute[] }; scopeSpans?: Array<{ spans?: OtlpSpan[] }> }>;
        };
        for (const resource of body.resourceSpans ?? []) {
          const service = String(attribute(resource.resource?.attributes, 'service.name'));
          for (const scope of resource.scopeSpans ?? []) for (const span of scope.spans ?? []) this.spans.push({ ...span, service });
        }
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });

  async start(): Promise<void> {
    this.server.listen(RECEIVER_PORT, '127.0.0.1');
    await once(this.server, 'listening');
  }

  async stop(): Promise<void> {
    this.server.close();
    this.server.closeAllConnections();
    await once(this.server, 'close');
  }
}

async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('OpenTelemetry tracing from HTTP to Redis (real OTLP receiver, both apps as processes)', function () {
  this.timeout(180_000);
  const receiver = new OtlpReceiver();
  let topic: string;
  let database: TestDatabase;
  const running: AppProcess[] = [];

  before(async () => {
    await receiver.start();
    topic = await createTestTopic('e2e-tracing');
    database = await createTestDatabase('orders_tracing');
  });

  afterEach(async () => {
    for (const app of running.splice(0)) await app.stop();
  });

  after(async () => {
    await receiver.stop();
    await deleteTestTopic(topic);
    await database.drop();
  });

  function startBoth(otel: Record<string, string>, recordImportsTo?: string): { api: AppProcess; projector: AppProcess } {
    const shared = {
      KAFKA_TOPIC: topic,
      KAFKA_BROKERS: testEnvironment.kafkaBrokers.join(','),
      REDIS_URL: testEnvironment.redisUrl,
      REDIS_KEY_PREFIX: uniqueName('tracing'),
    };
    const api = startAppProcess(
      'api',
      {
        ...shared,
        ...otel,
        PORT: String(API_PORT),
        ADMIN_PORT: String(API_PORT + 1),
        DATABASE_URL: database.url,
        CACHE_BACKEND: 'redis',
        AUTH_REQUIRED: 'false',
      },
      recordImportsTo ? { recordImportsTo: `${recordImportsTo}.api` } : {},
    );
    const projector = startAppProcess(
      'projector',
      {
        ...shared,
        ...otel,
        LOG_LEVEL: 'debug',
        PROJECTOR_PORT: String(PROJECTOR_PORT),
        KAFKA_DLQ_TOPIC: `${topic}.dlq`,
        KAFKA_GROUP_ID: uniqueName('tracing-group'),
      },
      recordImportsTo ? { recordImportsTo: `${recordImportsTo}.projector` } : {},
    );
    running.push(api, projector);
    return { api, projector };
  }

  async function postOrder(): Promise<string> {
    const order = anOrder()
      .with({ order_uid: uniqueName('traced') })
      .build();
    const res = await fetch(`http://127.0.0.1:${API_PORT}/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(order),
    });
    await res.arrayBuffer();
    expect(res.status).to.equal(201);
    return order.order_uid;
  }

  it('gives one trace across both processes: POST /orders, its SQL, the publish and the apply, with the messaging attributes', async () => {
    const imports = join(tmpdir(), uniqueName('imports-on'));
    const { api, projector } = startBoth(
      { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${RECEIVER_PORT}`, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' },
      imports,
    );
    await waitForOk(`http://127.0.0.1:${API_PORT + 1}/readyz`);
    await waitForOk(`http://127.0.0.1:${PROJECTOR_PORT}/readyz`);
    const uid = await postOrder();

    const post = await waitFor('the POST span', () =>
      receiver.spans.find((s) => s.service === 'order-api' && s.kind === SPAN_KIND.server && s.name === 'POST /orders'),
    );
    const apply = await waitFor('the apply span in the POST trace', () =>
      receiver.spans.find((s) => s.traceId === post.traceId && s.service === 'order-cache-projector' && s.kind === SPAN_KIND.consumer),
    );
    const inTrace = receiver.spans.filter((s) => s.traceId === post.traceId);
    expect(attribute(post.attributes, 'http.route')).to.equal('/orders');

    const sql = inTrace.filter(
      (s) => s.service === 'order-api' && (attribute(s.attributes, 'db.system.name') ?? attribute(s.attributes, 'db.system')) === 'postgresql',
    );
    expect(sql, 'SQL spans of the write').to.have.length.greaterThan(0);
    expect(sql.some((s) => s.parentSpanId === post.spanId)).to.equal(true);

    const publish = inTrace.find((s) => s.service === 'order-api' && s.kind === SPAN_KIND.producer);
    expect(publish, 'the relay publish span').to.not.equal(undefined);
    expect(publish?.name).to.equal(`send ${topic}`);
    expect(attribute(publish?.attributes, 'messaging.system')).to.equal('kafka');
    expect(attribute(publish?.attributes, 'messaging.destination.name')).to.equal(topic);
    expect(attribute(publish?.attributes, 'messaging.kafka.message.key')).to.equal(uid);
    expect(publish?.links?.map((l) => l.traceId)).to.include(post.traceId);

    expect(apply.name).to.equal(`process ${topic}`);
    expect(attribute(apply.attributes, 'messaging.system')).to.equal('kafka');
    expect(attribute(apply.attributes, 'messaging.destination.name')).to.equal(topic);
    expect(attribute(apply.attributes, 'messaging.destination.partition.id')).to.be.a('string');
    expect(attribute(apply.attributes, 'messaging.consumer.group.name')).to.match(/^tracing-group-/);
    expect(attribute(apply.attributes, 'messaging.kafka.offset')).to.be.a('number');
    expect(attribute(apply.attributes, 'messaging.kafka.message.key')).to.equal(uid);
    const link = apply.links?.find((l) => l.traceId === post.traceId);
    expect(attribute(link?.attributes, 'messaging.kafka.message.key')).to.equal(uid);

    const redis = await waitFor('a Redis span of the apply', () =>
      receiver.spans.find(
        (s) =>
          s.traceId === post.traceId &&
          s.service === 'order-cache-projector' &&
          (attribute(s.attributes, 'db.system.name') ?? attribute(s.attributes, 'db.system')) === 'redis',
      ),
    );
    expect(redis.parentSpanId).to.equal(apply.spanId);

    // A line written inside the apply span carries its ids.
    const projected = await projector.waitForLine((line) => line.msg === 'event projected' && line.order_uid === uid);
    expect(projected.trace_id).to.equal(post.traceId);
    expect(projected.span_id).to.equal(apply.spanId);

    await api.stop();
    await projector.stop();
    expect(readFileSync(`${imports}.api`, 'utf8')).to.include('@opentelemetry/sdk-node');
    rmSync(`${imports}.api`, { force: true });
    rmSync(`${imports}.projector`, { force: true });
  });

  it('exports nothing and loads no SDK or exporter when no OTEL_* variable is set', async () => {
    const imports = join(tmpdir(), uniqueName('imports-off'));
    const before = receiver.requests;
    const { api, projector } = startBoth({}, imports);
    await waitForOk(`http://127.0.0.1:${API_PORT + 1}/readyz`);
    await waitForOk(`http://127.0.0.1:${PROJECTOR_PORT}/readyz`);
    const uid = await postOrder();
    await projector.waitForLine((line) => line.msg === 'event projected' && line.order_uid === uid);
    await api.stop();
    await projector.stop();
    expect(receiver.requests).to.equal(before);
    for (const app of ['api', 'projector']) {
      const loaded = readFileSync(`${imports}.${app}`, 'utf8');
      expect(loaded, app).to.include('@opentelemetry/api');
      expect(loaded, app).to.not.match(/@opentelemetry\/(sdk-|exporter-|instrumentation)/);
      rmSync(`${imports}.${app}`, { force: true });
    }
    expect(projector.lines.filter((line) => line.trace_id !== undefined)).to.deep.equal([]);
  });
});
