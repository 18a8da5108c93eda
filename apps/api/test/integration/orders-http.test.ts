import { readFileSync } from 'node:fs';
import { expect } from 'chai';
import { anOrder } from '@order-service/domain/testing';
import { call, createTestTopic, deleteTestTopic, startApi, type RunningApi } from '../support/api-harness.js';
import { uniqueName } from '../../../../test/support/environment.js';

const example = JSON.parse(readFileSync(new URL('../../../../docs/examples/order.example.json', import.meta.url), 'utf8')) as Record<string, unknown>;

describe('orders HTTP API (real PostgreSQL and Kafka)', function () {
  let api: RunningApi;
  let topic: string;

  before(async () => {
    topic = await createTestTopic();
    api = await startApi({ KAFKA_TOPIC: topic, HTTP_BODY_LIMIT_BYTES: String(64 * 1024) });
  });
  after(async () => {
    await api?.stop();
    await deleteTestTopic(topic);
  });

  const uid = (): string => uniqueName('o').replace(/[^A-Za-z0-9_-]/g, '');
  const draftWithUid = (orderUid = uid()) => ({ ...example, order_uid: orderUid });

  describe('POST /orders', () => {
    it('creates the example order as sent, assigning order_uid (UUIDv7) and date_created', async () => {
      const res = await call(api.url, 'POST', '/orders', { json: example });
      expect(res.status).to.equal(201);
      expect(res.body.order_uid).to.match(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(res.headers.get('location')).to.equal(`/orders/${res.body.order_uid}`);
      expect(res.headers.get('etag')).to.equal('"v1"');
      expect(res.headers.get('content-type')).to.match(/^application\/json/);
      expect(Date.parse(res.body.date_created)).to.be.closeTo(Date.now(), 60_000);
      const { order_uid: _u, date_created: _d, internal_signature, ...rest } = res.body;
      expect(internal_signature).to.equal('');
      expect(rest).to.deep.equal(example);
    });

    it('keeps a client-chosen order_uid and answers 409 when it exists', async () => {
      const body = draftWithUid();
      expect((await call(api.url, 'POST', '/orders', { json: body })).status).to.equal(201);
      const again = await call(api.url, 'POST', '/orders', { json: body });
      expect(again.status).to.equal(409);
      expect(again.headers.get('content-type')).to.match(/^application\/problem\+json/);
      expect(again.body).to.include({ status: 409, title: 'Order already exists' });
    });

    it('refuses invalid fields with 422 naming each path, and stores nothing', async () => {
      const orderUid = uid();
      const bad = { ...draftWithUid(orderUid), payment: { ...(example.payment as object), amount: 999 }, surprise: true };
      const res = await call(api.url, 'POST', '/orders', { json: bad });
      expect(res.status).to.equal(422);
      expect(res.body.type).to.equal('/problems/validation-failed');
      const paths = (res.body.errors as Array<{ path: string }>).map((e) => e.path);
      expect(paths).to.include('/surprise');
      expect((await call(api.url, 'GET', `/orders/${orderUid}`)).status).to.equal(404);
    });

    it('names the broken rule when only a domain rule fails', async () => {
      const res = await call(api.url, 'POST', '/orders', { json: { ...draftWithUid(), payment: { ...(example.payment as object), amount: 351 } } });
      expect(res.status).to.equal(422);
      expect(res.body.errors).to.deep.include.members([{ path: '/payment/amount', message: res.body.errors[0].message }]);
    });

    it('says a server-owned field cannot be written', async () => {
      const res = await call(api.url, 'POST', '/orders', { json: { ...example, version: 3 } });
      expect(res.status).to.equal(422);
      expect(res.body.errors).to.deep.equal([{ path: '/version', message: 'is set by the server and cannot be written' }]);
    });

    it('answers malformed JSON with 400, a non-JSON body with 415 and an oversized one with 413', async () => {
      const malformed = await call(api.url, 'POST', '/orders', { body: '{"track_number": ', headers: { 'content-type': 'application/json' } });
      expect(malformed.status).to.equal(400);
      expect(malformed.body.type).to.equal('/problems/malformed-json');
      const text = await call(api.url, 'POST', '/orders', { body: 'track_number=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(text.status).to.equal(415);
      const huge = await call(api.url, 'POST', '/orders', { json: { ...example, entry: 'x'.repeat(70 * 1024) } });
      expect(huge.status).to.equal(413);
      expect(huge.headers.get('content-type')).to.match(/^application\/problem\+json/);
    });

    it('rejects strings PostgreSQL cannot store (NUL) with 422, not 500', async () => {
      const res = await call(api.url, 'POST', '/orders', { json: { ...draftWithUid(), entry: 'WB\u0000IL' } });
      expect(res.status).to.equal(422);
      expect(res.body.errors.map((e: { path: string }) => e.path)).to.include('/entry');
    });
  });

  describe('Idempotency-Key', () => {
    it('replays the first answer for the same key and body, creating nothing more', async () => {
      const key = uniqueName('idem');
      const first = await call(api.url, 'POST', '/orders', { json: example, headers: { 'idempotency-key': key } });
      const second = await call(api.url, 'POST', '/orders', { json: example, headers: { 'idempotency-key': key } });
      expect(first.status).to.equal(201);
      expect(second.status).to.equal(201);
      expect(second.body).to.deep.equal(first.body);
      expect(second.headers.get('location')).to.equal(first.headers.get('location'));
      expect(second.headers.get('etag')).to.equal(first.headers.get('etag'));
      const byCustomer = await call(api.url, 'GET', `/orders?customer_id=${example.customer_id as string}&limit=100`);
      const sameUid = (byCustomer.body.items as Array<{ order_uid: string }>).filter((o) => o.order_uid === first.body.order_uid);
      expect(sameUid).to.have.length(1);
    });

    it('answers 422 when the key is reused with another body', async () => {
      const key = uniqueName('idem');
      expect((await call(api.url, 'POST', '/orders', { json: example, headers: { 'idempotency-key': key } })).status).to.equal(201);
      const other = await call(api.url, 'POST', '/orders', { json: { ...example, entry: 'OTHER' }, headers: { 'idempotency-key': key } });
      expect(other.status).to.equal(422);
      expect(other.body.type).to.equal('/problems/idempotency-key-conflict');
    });

    it('answers 409 while the first request with the key is still in flight', async () => {
      const key = uniqueName('idem');
      const orderUid = uid();
      // Many identical requests at once: exactly one creates, the others replay or find it in flight.
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => call(api.url, 'POST', '/orders', { json: draftWithUid(orderUid), headers: { 'idempotency-key': key } })),
      );
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 201).length).to.be.at.least(1);
      expect(statuses.every((s) => s === 201 || s === 409)).to.equal(true, statuses.join(','));
      for (const a of answers.filter((x) => x.status === 409)) expect(a.body.type).to.equal('/problems/idempotency-key-in-flight');
      const replay = await call(api.url, 'POST', '/orders', { json: draftWithUid(orderUid), headers: { 'idempotency-key': key } });
      expect(replay.status).to.equal(201);
    });
  });

  describe('GET /orders/{uid}', () => {
    it('returns the stored document with ETag, Last-Modified and Cache-Status, and 304 for a current If-None-Match', async () => {
      const created = await call(api.url, 'POST', '/orders', { json: draftWithUid() });
      const res = await call(api.url, 'GET', `/orders/${created.body.order_uid}`);
      expect(res.status).to.equal(200);
      expect(res.body).to.deep.equal(created.body);
      expect(res.headers.get('etag')).to.equal('"v1"');
      expect(res.headers.get('last-modified')).to.be.a('string');
      expect(res.headers.get('cache-status')).to.match(/^order-service; /);
      const notModified = await call(api.url, 'GET', `/orders/${created.body.order_uid}`, { headers: { 'if-none-match': '"v1"' } });
      expect(notModified.status).to.equal(304);
      expect(notModified.headers.get('etag')).to.equal('"v1"');
      const stale = await call(api.url, 'GET', `/orders/${created.body.order_uid}`, { headers: { 'if-none-match': '"v9"' } });
      expect(stale.status).to.equal(200);
    });

    it('answers If-Modified-Since with 304 when the order has not changed since, and HEAD with the headers alone', async () => {
      const created = await call(api.url, 'POST', '/orders', { json: draftWithUid() });
      const path = `/orders/${created.body.order_uid}`;
      const first = await call(api.url, 'GET', path);
      const lastModified = first.headers.get('last-modified') ?? '';
      const unchanged = await call(api.url, 'GET', path, { headers: { 'if-modified-since': lastModified } });
      expect(unchanged.status).to.equal(304);
      expect(unchanged.text).to.equal('');
      const earlier = new Date(Date.parse(lastModified) - 1000).toUTCString();
      const changed = await call(api.url, 'GET', path, { headers: { 'if-modified-since': earlier } });
      expect(changed.status).to.equal(200);
      expect(changed.body).to.deep.equal(created.body);

      const head = await call(api.url, 'HEAD', path);
      expect(head.status).to.equal(200);
      expect(head.text).to.equal('');
      expect(Number(head.headers.get('content-length'))).to.equal(Buffer.byteLength(first.text));
      expect(head.headers.get('etag')).to.equal('"v1"');
    });

    it('answers 404 problem for an unknown order', async () => {
      const res = await call(api.url, 'GET', `/orders/${uid()}`);
      expect(res.status).to.equal(404);
      expect(res.body).to.include({ status: 404, type: '/problems/not-found' });
    });
  });

  describe('PUT /orders/{uid}', () => {
    it('creates with 201 when absent, replaces with 200 and version + 1, and accepts a GET document sent back unchanged', async () => {
      const orderUid = uid();
      const created = await call(api.url, 'PUT', `/orders/${orderUid}`, { json: example });
      expect(created.status).to.equal(201);
      expect(created.headers.get('etag')).to.equal('"v1"');
      const fetched = await call(api.url, 'GET', `/orders/${orderUid}`);
      const replaced = await call(api.url, 'PUT', `/orders/${orderUid}`, { json: fetched.body, headers: { 'if-match': fetched.headers.get('etag') ?? '' } });
      expect(replaced.status).to.equal(200);
      expect(replaced.headers.get('etag')).to.equal('"v2"');
      expect(replaced.body).to.deep.equal(fetched.body);
    });

    it('keeps date_created when the replacement omits it', async () => {
      const orderUid = uid();
      const created = await call(api.url, 'PUT', `/orders/${orderUid}`, { json: { ...example, date_created: '2020-01-02T03:04:05Z' } });
      expect(created.body.date_created).to.equal('2020-01-02T03:04:05Z');
      const replaced = await call(api.url, 'PUT', `/orders/${orderUid}`, { json: { ...example, entry: 'NEW' } });
      expect(replaced.body).to.include({ entry: 'NEW', date_created: '2020-01-02T03:04:05Z' });
    });

    it('answers 412 for a stale If-Match and 422 when the body names another order', async () => {
      const orderUid = uid();
      await call(api.url, 'PUT', `/orders/${orderUid}`, { json: example });
      await call(api.url, 'PUT', `/orders/${orderUid}`, { json: example });
      const stale = await call(api.url, 'PUT', `/orders/${orderUid}`, { json: example, headers: { 'if-match': '"v1"' } });
      expect(stale.status).to.equal(412);
      const weak = await call(api.url, 'PUT', `/orders/${orderUid}`, { json: example, headers: { 'if-match': 'W/"v2"' } });
      expect(weak.status).to.equal(412);
      const other = await call(api.url, 'PUT', `/orders/${orderUid}`, { json: { ...example, order_uid: 'someone-else' } });
      expect(other.status).to.equal(422);
      expect(other.body.errors[0].path).to.equal('/order_uid');
      const missing = await call(api.url, 'PUT', `/orders/${uid()}`, { json: example, headers: { 'if-match': '*' } });
      expect(missing.status).to.equal(412);
    });

    it('accepts an If-Match list when any of its tags is current, and refuses it when none is', async () => {
      const orderUid = uid();
      await call(api.url, 'PUT', `/orders/${orderUid}`, { json: example });
      const none = await call(api.url, 'PUT', `/orders/${orderUid}`, { json: example, headers: { 'if-match': '"v3", W/"v1", "v7"' } });
      expect(none.status).to.equal(412);
      const some = await call(api.url, 'PUT', `/orders/${orderUid}`, { json: example, headers: { 'if-match': '"v3", "v1"' } });
      expect(some.status).to.equal(200);
      expect(some.headers.get('etag')).to.equal('"v2"');
      const gone = await call(api.url, 'DELETE', `/orders/${orderUid}`, { headers: { 'if-match': '"v1","v2"' } });
      expect(gone.status).to.equal(204);
    });
  });

  describe('DELETE /orders/{uid}', () => {
    it('answers 204, then 404; honours If-Match', async () => {
      const orderUid = uid();
      await call(api.url, 'PUT', `/orders/${orderUid}`, { json: example });
      const stale = await call(api.url, 'DELETE', `/orders/${orderUid}`, { headers: { 'if-match': '"v7"' } });
      expect(stale.status).to.equal(412);
      const deleted = await call(api.url, 'DELETE', `/orders/${orderUid}`, { headers: { 'if-match': '"v1"' } });
      expect(deleted.status).to.equal(204);
      expect((await call(api.url, 'GET', `/orders/${orderUid}`)).status).to.equal(404);
      expect((await call(api.url, 'DELETE', `/orders/${orderUid}`)).status).to.equal(404);
    });

    it('continues the version of a deleted order when it is created again', async () => {
      const orderUid = uid();
      await call(api.url, 'PUT', `/orders/${orderUid}`, { json: example });
      await call(api.url, 'DELETE', `/orders/${orderUid}`);
      const again = await call(api.url, 'POST', '/orders', { json: draftWithUid(orderUid) });
      expect(again.status).to.equal(201);
      expect(again.headers.get('etag')).to.equal('"v3"');
    });
  });

  describe('GET /orders (search)', () => {
    const customer = uniqueName('cust');
    const created: string[] = [];

    before(async () => {
      for (let i = 0; i < 7; i += 1) {
        const date = new Date(Date.UTC(2024, 0, 1 + i)).toISOString();
        const order = anOrder().with({ order_uid: uid(), customer_id: customer, date_created: date }).build();
        const res = await call(api.url, 'POST', '/orders', { json: order });
        expect(res.status).to.equal(201);
        created.push(order.order_uid);
      }
    });

    it('pages newest first through an opaque cursor until next_cursor is null', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = `/orders?customer_id=${customer}&limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const page = await call(api.url, 'GET', query);
        expect(page.status).to.equal(200);
        seen.push(...(page.body.items as Array<{ order_uid: string }>).map((o) => o.order_uid));
        cursor = page.body.next_cursor as string | null;
      } while (cursor);
      expect(seen).to.deep.equal([...created].reverse());
    });

    it('filters by a date range', async () => {
      const res = await call(api.url, 'GET', `/orders?customer_id=${customer}&created_from=2024-01-03T00:00:00Z&created_to=2024-01-05T00:00:00Z`);
      expect(res.body.items.map((o: { order_uid: string }) => o.order_uid)).to.deep.equal([created[3], created[2]]);
      expect(res.body.next_cursor).to.equal(null);
    });

    it('refuses a tampered cursor, a cursor reused with other filters, and a bad limit with 422', async () => {
      const first = await call(api.url, 'GET', `/orders?customer_id=${customer}&limit=2`);
      const cursor = first.body.next_cursor as string;
      const tampered = `${cursor.slice(0, -2)}${cursor.endsWith('A') ? 'BB' : 'AA'}`;
      expect((await call(api.url, 'GET', `/orders?customer_id=${customer}&cursor=${encodeURIComponent(tampered)}`)).status).to.equal(422);
      const reused = await call(api.url, 'GET', `/orders?customer_id=other&cursor=${encodeURIComponent(cursor)}`);
      expect(reused.status).to.equal(422);
      expect(reused.body.errors[0].path).to.equal('/cursor');
      for (const limit of ['0', '101', 'ten']) {
        const res = await call(api.url, 'GET', `/orders?limit=${limit}`);
        expect(res.status).to.equal(422);
        expect(res.body.errors[0].path).to.equal('/limit');
      }
      const unknown = await call(api.url, 'GET', '/orders?colour=red');
      expect(unknown.status).to.equal(422);
    });
  });

  describe('protocol', () => {
    it('answers an unknown route with 404 and a known route with a wrong method with 405 and Allow', async () => {
      const missing = await call(api.url, 'GET', '/nowhere');
      expect(missing.status).to.equal(404);
      expect(missing.headers.get('content-type')).to.match(/^application\/problem\+json/);
      const wrong = await call(api.url, 'PATCH', '/orders/abc');
      expect(wrong.status).to.equal(405);
      expect(wrong.headers.get('allow')).to.equal('GET, PUT, DELETE, HEAD');
      const wrongCollection = await call(api.url, 'DELETE', '/orders');
      expect(wrongCollection.status).to.equal(405);
      expect(wrongCollection.headers.get('allow')).to.equal('GET, POST, HEAD');
    });

    it('echoes a sane X-Request-Id and puts it into problems; makes one otherwise', async () => {
      const echoed = await call(api.url, 'GET', '/orders/missing-order', { headers: { 'x-request-id': 'req-123' } });
      expect(echoed.headers.get('x-request-id')).to.equal('req-123');
      expect(echoed.body.request_id).to.equal('req-123');
      const made = await call(api.url, 'GET', '/healthz', { headers: { 'x-request-id': 'bad id with spaces' } });
      expect(made.headers.get('x-request-id')).to.match(/^[0-9a-f-]{36}$/);
    });
  });
});
