/**
 * Access control at the API's edge, with tokens signed by real keys and a JWKS
 * served on loopback: which tokens are accepted, what each scope and owner may
 * reach, and that idempotency keys are each subject's own.
 */
import { readFileSync } from 'node:fs';
import { Agent, get as httpGet } from 'node:http';
import { expect } from 'chai';
import { base64url, exportSPKI, generateKeyPair, importJWK, SignJWT, type CryptoKey } from 'jose';
import { CUSTOMER_SCOPES, DEV_ISSUER, serveIssuer, TokenIssuer } from '@order-service/dev-issuer';
import { DEV_ISSUER as API_DEFAULT_ISSUER } from '../../src/config.js';
import { createDatabase } from '@order-service/postgres';
import { call, createTestTopic, deleteTestTopic, startApi, type RunningApi } from '../support/api-harness.js';
import { uniqueName } from '../../../../test/support/environment.js';
import { testIssuer, type TestIssuer } from '../../../../test/support/test-issuer.js';

const example = JSON.parse(readFileSync(new URL('../../../../docs/examples/order.example.json', import.meta.url), 'utf8')) as Record<string, unknown>;
const uid = (): string => uniqueName('ac').replace(/[^A-Za-z0-9_-]/g, '');

describe('access control (real PostgreSQL, Kafka and a JWKS on loopback)', function () {
  let api: RunningApi;
  let topic: string;
  let issuer: TestIssuer;

  before(async () => {
    issuer = await testIssuer();
    topic = await createTestTopic();
    api = await startApi({ KAFKA_TOPIC: topic });
  });
  after(async () => {
    await api?.stop();
    await deleteTestTopic(topic);
  });

  const challenge = (res: { headers: Headers }): string => res.headers.get('www-authenticate') ?? '';

  describe('bearer tokens', () => {
    let orderUid: string;
    before(async () => {
      orderUid = uid();
      expect((await call(api.url, 'PUT', `/orders/${orderUid}`, { json: { ...example, order_uid: orderUid } })).status).to.equal(201);
    });

    it('the API defaults to the development issuer that scripts/up runs', () => {
      expect(API_DEFAULT_ISSUER).to.equal(DEV_ISSUER);
    });

    it('accepts valid RS256 and ES256 tokens', async () => {
      for (const alg of ['RS256', 'ES256'] as const) {
        const res = await call(api.url, 'GET', `/orders/${orderUid}`, { token: await issuer.token({ alg }) });
        expect(res.status, alg).to.equal(200);
      }
    });

    it('answers no token with 401 and a challenge without an error attribute', async () => {
      const res = await call(api.url, 'GET', `/orders/${orderUid}`, { token: null });
      expect(res.status).to.equal(401);
      expect(res.headers.get('content-type')).to.match(/^application\/problem\+json/);
      expect(challenge(res)).to.equal('Bearer realm="order-service"');
      expect(res.body.type).to.equal('/problems/unauthorized');
    });

    it('refuses every kind of bad token with 401 invalid_token', async () => {
      const now = Math.floor(Date.now() / 1000);
      const valid = await issuer.token();
      const [header, payload] = valid.split('.') as [string, string];
      const stranger = await TokenIssuer.generate();
      // Another key that claims the kid of a key the issuer publishes.
      const { privateKey } = await generateKeyPair('RS256');
      const forged = await new SignJWT({ scope: 'orders:read orders:read:all' })
        .setProtectedHeader({ alg: 'RS256', kid: issuer.issuer.publicKey('RS256').kid! })
        .setIssuer(issuer.issuer.issuer)
        .setAudience(issuer.issuer.audience)
        .setSubject('mallory')
        .setExpirationTime(now + 600)
        .sign(privateKey);
      const publicPem = await exportSPKI((await importJWK(issuer.issuer.publicKey('RS256'), 'RS256')) as CryptoKey);
      const hs256 = await new SignJWT({ scope: 'orders:read orders:read:all' })
        .setProtectedHeader({ alg: 'HS256', kid: issuer.issuer.publicKey('RS256').kid! })
        .setIssuer(issuer.issuer.issuer)
        .setAudience(issuer.issuer.audience)
        .setSubject('mallory')
        .setExpirationTime(now + 600)
        .sign(new TextEncoder().encode(publicPem));
      const none = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${payload}.`;
      const cases: Record<string, string> = {
        expired: await issuer.token({ issuedAt: now - 7200, ttlSeconds: 3600 }),
        'not yet valid': await issuer.token({ notBefore: now + 3600 }),
        'another issuer': await issuer.token({ issuer: 'https://issuer.example' }),
        'another audience': await issuer.token({ audience: 'another-service' }),
        'a key the issuer does not publish': await stranger.sign({ subject: 'mallory', scopes: ['orders:read'] }),
        'a wrong key under a published kid': forged,
        'alg none': none,
        'HS256 with the public key as secret': hs256,
        truncated: valid.slice(0, -12),
        'header only': `${header}.`,
      };
      for (const [name, token] of Object.entries(cases)) {
        const res = await call(api.url, 'GET', `/orders/${orderUid}`, { token });
        expect(res.status, name).to.equal(401);
        expect(challenge(res), name).to.match(/^Bearer realm="order-service", error="invalid_token", error_description="[^"]+"$/);
        expect(res.body.type, name).to.equal('/problems/unauthorized');
      }
      const basic = await call(api.url, 'GET', `/orders/${orderUid}`, { token: null, headers: { authorization: 'Basic dXNlcjpwYXNz' } });
      expect(basic.status).to.equal(401);
      expect(challenge(basic)).to.include('error="invalid_token"');
    });

    it('judges each request on a keep-alive connection by its own token, and a remembered token no longer once it expires', async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      const get = (token: string | undefined) =>
        new Promise<{ status: number; reused: boolean }>((resolve, reject) => {
          const req = httpGet(`${api.url}/orders/${orderUid}`, { agent, headers: token === undefined ? {} : { authorization: `Bearer ${token}` } }, (res) => {
            res.resume();
            res.on('end', () => resolve({ status: res.statusCode ?? 0, reused: req.reusedSocket }));
          });
          req.on('error', reject);
        });
      try {
        const stranger = await issuer.token({ subject: 'customer:stranger', customerId: 'stranger', scopes: CUSTOMER_SCOPES });
        const shortLived = await issuer.token({ ttlSeconds: 2 });
        const answers = [
          await get(issuer.staffToken),
          await get(stranger),
          await get(undefined),
          await get(`${issuer.staffToken.slice(0, -4)}AAAA`),
          await get(issuer.staffToken),
          await get(shortLived),
          await get(shortLived),
        ];
        expect(answers.map((a) => a.status)).to.deep.equal([200, 404, 401, 401, 200, 200, 200]);
        expect(
          answers.slice(1).every((a) => a.reused),
          'every request after the first on the same connection',
        ).to.equal(true);
        await new Promise((resolve) => setTimeout(resolve, 2_500));
        const late = await get(shortLived);
        expect(late.reused).to.equal(true);
        expect(late.status, 'the expired token, repeated on its connection').to.equal(401);
      } finally {
        agent.destroy();
      }
    });

    it('picks up a rotated key without a restart, fetching the key set at most once per cooldown', async () => {
      const own = await TokenIssuer.generate({ issuer: 'https://rotating.example' });
      let fetches = 0;
      const server = await serveIssuer(own, { onJwksFetch: () => void fetches++ });
      const rotating = await startApi({
        KAFKA_TOPIC: topic,
        AUTH_ISSUER: own.issuer,
        AUTH_JWKS_URL: server.jwksUrl,
        AUTH_JWKS_COOLDOWN_MS: '3000',
      });
      try {
        const sign = () => own.sign({ subject: 'staff:rotation', scopes: ['orders:read', 'orders:read:all'] });
        expect((await call(rotating.url, 'GET', '/orders?limit=1', { token: await sign() })).status).to.equal(200);
        expect(fetches).to.equal(1);
        await own.addKey('RS256');
        const rotated = await sign();
        // Within the cooldown the new kid is unknown and the key set is not fetched again.
        expect((await call(rotating.url, 'GET', '/orders?limit=1', { token: rotated })).status).to.equal(401);
        expect(fetches).to.equal(1);
        await new Promise((resolve) => setTimeout(resolve, 3_100));
        expect((await call(rotating.url, 'GET', '/orders?limit=1', { token: rotated })).status).to.equal(200);
        expect(fetches).to.equal(2);
      } finally {
        await rotating.stop();
        await server.close();
      }
    });
  });

  describe('scopes and owners', () => {
    const orderFor = (customerId: string, orderUid = uid()) => ({ ...example, order_uid: orderUid, customer_id: customerId });
    let tokens: Record<'staff' | 'alice' | 'bob' | 'aliceReadOnly' | 'reader', string>;
    let alices: string;
    let bobs: string;
    const alice = uniqueName('alice');
    const bob = uniqueName('bob');

    before(async () => {
      tokens = {
        staff: issuer.staffToken,
        alice: await issuer.token({ subject: `customer:${alice}`, customerId: alice, scopes: CUSTOMER_SCOPES }),
        bob: await issuer.token({ subject: `customer:${bob}`, customerId: bob, scopes: CUSTOMER_SCOPES }),
        aliceReadOnly: await issuer.token({ subject: `customer:${alice}:ro`, customerId: alice, scopes: ['orders:read'] }),
        reader: await issuer.token({ subject: 'service:reader', scopes: ['orders:read'] }),
      };
      alices = uid();
      bobs = uid();
      expect((await call(api.url, 'PUT', `/orders/${alices}`, { json: orderFor(alice, alices) })).status).to.equal(201);
      expect((await call(api.url, 'PUT', `/orders/${bobs}`, { json: orderFor(bob, bobs) })).status).to.equal(201);
    });

    it('answers each token on each route as the table says', async () => {
      const table: Array<[keyof typeof tokens, string, () => string, unknown, number, string?]> = [
        ['staff', 'GET', () => `/orders/${bobs}`, undefined, 200],
        ['alice', 'GET', () => `/orders/${alices}`, undefined, 200],
        ['alice', 'GET', () => `/orders/${bobs}`, undefined, 404],
        ['bob', 'GET', () => `/orders/${alices}`, undefined, 404],
        ['reader', 'GET', () => `/orders/${alices}`, undefined, 404],
        ['reader', 'GET', () => '/orders', undefined, 403, 'orders:read:all'],
        ['reader', 'GET', () => `/orders?customer_id=${alice}`, undefined, 403, 'orders:read:all'],
        ['aliceReadOnly', 'GET', () => `/orders/${alices}`, undefined, 200],
        ['aliceReadOnly', 'DELETE', () => `/orders/${alices}`, undefined, 403, 'orders:delete'],
        ['aliceReadOnly', 'POST', () => '/orders', orderFor(alice), 403, 'orders:write'],
        ['alice', 'POST', () => '/orders', orderFor(bob), 422],
        ['alice', 'PUT', () => `/orders/${alices}`, orderFor(bob, alices), 422],
        ['alice', 'PUT', () => `/orders/${bobs}`, orderFor(alice, bobs), 404],
        ['alice', 'DELETE', () => `/orders/${bobs}`, undefined, 404],
        ['reader', 'POST', () => '/orders', orderFor(alice), 403, 'orders:write'],
        ['alice', 'POST', () => '/orders', orderFor(alice), 201],
        ['alice', 'PUT', () => `/orders/${alices}`, orderFor(alice, alices), 200],
      ];
      for (const [who, method, path, json, status, scope] of table) {
        const res = await call(api.url, method, path(), { token: tokens[who], ...(json !== undefined && { json }) });
        const row = `${who} ${method} ${path()}`;
        expect(res.status, row).to.equal(status);
        if (status === 403) {
          expect(challenge(res), row).to.equal(`Bearer realm="order-service", error="insufficient_scope", scope="${scope}"`);
          expect(res.body.type, row).to.equal('/problems/insufficient-scope');
        }
        if (status === 422)
          expect(
            res.body.errors.map((e: { path: string }) => e.path),
            row,
          ).to.include('/customer_id');
      }
      // Bob's order is untouched by Alice's attempts.
      const stillBobs = await call(api.url, 'GET', `/orders/${bobs}`);
      expect(stillBobs.body.customer_id).to.equal(bob);
      expect(stillBobs.headers.get('etag')).to.equal('"v1"');
    });

    it("confines a customer's search to its own orders, whatever filter it sends", async () => {
      const unfiltered = await call(api.url, 'GET', '/orders?limit=100', { token: tokens.alice });
      expect(unfiltered.status).to.equal(200);
      expect(unfiltered.body.items.length).to.be.above(0);
      expect(new Set(unfiltered.body.items.map((o: { customer_id: string }) => o.customer_id))).to.deep.equal(new Set([alice]));
      const others = await call(api.url, 'GET', `/orders?customer_id=${bob}`, { token: tokens.alice });
      expect(others.status).to.equal(200);
      expect(others.body.items).to.deep.equal([]);
      const byTrack = await call(api.url, 'GET', `/orders?track_number=${String(example.track_number)}&limit=100`, { token: tokens.bob });
      expect(byTrack.body.items.map((o: { order_uid: string }) => o.order_uid)).to.deep.equal([bobs]);
      const staff = await call(api.url, 'GET', `/orders?limit=100`);
      const seen = staff.body.items.map((o: { customer_id: string }) => o.customer_id);
      expect(seen).to.include(alice).and.to.include(bob);
    });

    it("lets a customer delete its own order, and never replays another subject's Idempotency-Key", async () => {
      const key = uniqueName('shared-key');
      const body = orderFor(alice);
      delete (body as { order_uid?: string }).order_uid;
      const first = await call(api.url, 'POST', '/orders', { token: tokens.alice, json: body, headers: { 'idempotency-key': key } });
      const other = await call(api.url, 'POST', '/orders', { token: tokens.staff, json: body, headers: { 'idempotency-key': key } });
      const again = await call(api.url, 'POST', '/orders', { token: tokens.alice, json: body, headers: { 'idempotency-key': key } });
      expect([first.status, other.status, again.status]).to.deep.equal([201, 201, 201]);
      expect(other.body.order_uid).to.not.equal(first.body.order_uid);
      expect(other.headers.get('idempotent-replayed')).to.equal(null);
      expect(again.headers.get('idempotent-replayed')).to.equal('true');
      expect(again.body.order_uid).to.equal(first.body.order_uid);
      const db = createDatabase({ url: api.config.database.url, poolMax: 1 });
      const recorded = () =>
        db('idempotency_keys')
          .whereRaw(`response_headers ->> 'Location' = ?`, [`/orders/${String(first.body.order_uid)}`])
          .count<{ count: number }[]>('* as count');
      try {
        expect((await recorded())[0]?.count, 'the recorded answer holds the order').to.equal(1);
        expect((await call(api.url, 'DELETE', `/orders/${first.body.order_uid}`, { token: tokens.alice })).status).to.equal(204);
        expect((await recorded())[0]?.count, 'deleting the order erases its recorded answer').to.equal(0);
      } finally {
        await db.destroy();
      }
      expect((await call(api.url, 'GET', `/orders/${first.body.order_uid}`, { token: tokens.alice })).status).to.equal(404);
    });
  });
});
