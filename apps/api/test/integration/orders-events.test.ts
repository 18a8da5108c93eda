import { expect } from 'chai';
import { decodeOrderEvent } from '@order-service/contracts';
import { anOrder } from '@order-service/domain/testing';
import { call, createTestTopic, deleteTestTopic, startApi, type RunningApi } from '../support/api-harness.js';
import { readTopicUntil, type TopicRecord } from '../support/topic-reader.js';
import { uniqueName } from '../../../../test/support/environment.js';

describe('every write becomes events on the topic (real PostgreSQL and Kafka)', () => {
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

  it('publishes create, replace and delete in version order, then a tombstone, with request ids in headers', async () => {
    const orderUid = uniqueName('ev').replace(/[^A-Za-z0-9_-]/g, '');
    const order = anOrder().with({ order_uid: orderUid }).build();
    expect((await call(api.url, 'POST', '/orders', { json: order, headers: { 'x-request-id': 'req-create' } })).status).to.equal(201);
    expect((await call(api.url, 'PUT', `/orders/${orderUid}`, { json: { ...order, entry: 'V2' }, headers: { 'x-request-id': 'req-put' } })).status).to.equal(
      200,
    );
    expect((await call(api.url, 'DELETE', `/orders/${orderUid}`, { headers: { 'x-request-id': 'req-delete' } })).status).to.equal(204);

    const mine = (records: TopicRecord[]) => records.filter((r) => r.key === orderUid);
    const records = mine(await readTopicUntil(topic, (all) => mine(all).length >= 4));
    expect(records).to.have.length(4);
    expect(new Set(records.map((r) => r.partition)).size).to.equal(1);

    const [created, replaced, deleted, tombstone] = records as [TopicRecord, TopicRecord, TopicRecord, TopicRecord];
    const createdEvent = decodeOrderEvent(created.value);
    expect(createdEvent).to.include({ type: 'order.upserted', version: 1, order_uid: orderUid, request_id: 'req-create' });
    expect(createdEvent.type === 'order.upserted' && createdEvent.order).to.deep.equal(order);
    expect(created.headers).to.deep.equal({ 'event-type': 'order.upserted', 'order-version': '1', 'request-id': 'req-create', 'schema-version': '1' });

    const replacedEvent = decodeOrderEvent(replaced.value);
    expect(replacedEvent).to.include({ type: 'order.upserted', version: 2, request_id: 'req-put' });
    expect(replacedEvent.type === 'order.upserted' && replacedEvent.order.entry).to.equal('V2');

    expect(decodeOrderEvent(deleted.value)).to.include({ type: 'order.deleted', version: 3, request_id: 'req-delete' });
    expect(tombstone.value).to.equal(null);
    expect(tombstone.headers).to.include({ 'event-type': 'order.deleted', 'order-version': '3' });
    expect(created.offset).to.be.below(replaced.offset);
  });

  it('publishes a create as the canonical event, stamped with the version and time the database gave the row', async () => {
    const orderUid = uniqueName('ev').replace(/[^A-Za-z0-9_-]/g, '');
    const order = anOrder().with({ order_uid: orderUid }).build();
    const first = await call(api.url, 'POST', '/orders', { json: order });
    expect(first.status).to.equal(201);
    expect((await call(api.url, 'DELETE', `/orders/${orderUid}`)).status).to.equal(204);
    const again = await call(api.url, 'POST', '/orders', { json: order, headers: { 'x-request-id': 'req-again' } });
    expect(again.headers.get('etag')).to.equal('"v3"');

    const mine = (records: TopicRecord[]) => records.filter((r) => r.key === orderUid && r.value !== null);
    const records = mine(await readTopicUntil(topic, (all) => mine(all).length >= 3));
    const [created, , recreated] = records.map((r) => r.value ?? '');
    for (const [text, response, version] of [
      [created, first, 1],
      [recreated, again, 3],
    ] as const) {
      const event = decodeOrderEvent(text ?? null);
      // The payload spliced in the database is byte for byte what JSON.stringify makes of the event.
      expect(text).to.equal(JSON.stringify(event));
      expect(event).to.include({ type: 'order.upserted', version });
      expect(event.type === 'order.upserted' && event.order).to.deep.equal(order);
      expect(new Date(event.occurred_at).toUTCString()).to.equal(response.headers.get('last-modified'));
    }
    expect(decodeOrderEvent(recreated ?? null).request_id).to.equal('req-again');
  });

  it('writes nothing to the topic for a refused write', async () => {
    const orderUid = uniqueName('ev').replace(/[^A-Za-z0-9_-]/g, '');
    const order = anOrder().with({ order_uid: orderUid }).build();
    await call(api.url, 'POST', '/orders', { json: order });
    expect((await call(api.url, 'POST', '/orders', { json: order })).status).to.equal(409);
    expect((await call(api.url, 'PUT', `/orders/${orderUid}`, { json: order, headers: { 'if-match': '"v5"' } })).status).to.equal(412);
    // A successful write after the refused ones, on the same key and so the same partition:
    // once it is on the topic, anything the refused writes had published would be before it.
    expect((await call(api.url, 'PUT', `/orders/${orderUid}`, { json: order })).status).to.equal(200);
    const mine = (records: TopicRecord[]) => records.filter((r) => r.key === orderUid);
    const events = mine(await readTopicUntil(topic, (records) => mine(records).some((r) => r.headers['order-version'] === '2')));
    expect(events.map((r) => r.headers['order-version'])).to.deep.equal(['1', '2']);
  });

  it('keeps one winner per version under 50 concurrent conditional replacements', async () => {
    const orderUid = uniqueName('race').replace(/[^A-Za-z0-9_-]/g, '');
    const order = anOrder().with({ order_uid: orderUid }).build();
    await call(api.url, 'POST', '/orders', { json: order });
    const answers = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        call(api.url, 'PUT', `/orders/${orderUid}`, { json: { ...order, entry: `W${i}` }, headers: { 'if-match': '"v1"' } }),
      ),
    );
    const winners = answers.filter((a) => a.status === 200);
    expect(winners).to.have.length(1);
    expect(answers.filter((a) => a.status === 412)).to.have.length(49);
    const final = await call(api.url, 'GET', `/orders/${orderUid}`);
    expect(final.headers.get('etag')).to.equal(`"v${winners.length + 1}"`);
    expect(final.body.entry).to.equal(winners[0]?.body.entry);
  });

  it('serialises 20 concurrent replacements that re-read the version: every one wins eventually, versions 2..21', async function () {
    this.timeout(90_000);
    const orderUid = uniqueName('race').replace(/[^A-Za-z0-9_-]/g, '');
    const order = anOrder().with({ order_uid: orderUid }).build();
    await call(api.url, 'POST', '/orders', { json: order });
    const versionsWon: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        for (;;) {
          const current = await call(api.url, 'GET', `/orders/${orderUid}`);
          const res = await call(api.url, 'PUT', `/orders/${orderUid}`, {
            json: { ...order, entry: `W${i}` },
            headers: { 'if-match': current.headers.get('etag') ?? '' },
          });
          if (res.status === 200) {
            versionsWon.push(Number(/\d+/.exec(res.headers.get('etag') ?? '')?.[0]));
            return;
          }
          expect(res.status).to.equal(412);
        }
      }),
    );
    expect(versionsWon.sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i + 2));
    const events = (await readTopicUntil(topic, (records) => records.filter((r) => r.key === orderUid).length >= 21, { timeoutMs: 60_000 })).filter(
      (r) => r.key === orderUid,
    );
    expect(events.map((r) => Number(r.headers['order-version']))).to.deep.equal(Array.from({ length: 21 }, (_, i) => i + 1));
  });
});
