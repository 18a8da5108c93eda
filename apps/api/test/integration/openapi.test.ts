import { readFileSync } from 'node:fs';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { expect } from 'chai';
import express, { type Express } from 'express';
import sinon from 'sinon';
import { orderDraftSchema, orderSchema } from '@order-service/contracts';
import { anOrder } from '@order-service/domain/testing';
import { problemTypes } from '../../src/http/problem.js';
import { call, createTestTopic, deleteTestTopic, startApi, type JsonResponse, type RunningApi } from '../support/api-harness.js';
import { uniqueName } from '../../../../test/support/environment.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- the walk reads arbitrary JSON and express internals */

const doc = JSON.parse(readFileSync(new URL('../../openapi.json', import.meta.url), 'utf8')) as any;
const example = JSON.parse(readFileSync(new URL('../../../../docs/examples/order.example.json', import.meta.url), 'utf8')) as Record<string, unknown>;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
/** Methods probed on every path; HEAD is left out because it follows GET. */
const PROBED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];
const DOC_ID = 'openapi.json';

// ── The document as data ──────────────────────────────────────────────────────

/** RFC 6901 pointer of a path of keys. */
function pointer(...keys: string[]): string {
  return keys.map((k) => `/${k.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');
}

function at(ptr: string): any {
  let node: any = doc;
  for (const raw of ptr.split('/').slice(1)) {
    const key = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (node === null || typeof node !== 'object' || !(key in node)) return undefined;
    node = node[key];
  }
  return node;
}

/** Follows local $refs (OpenAPI 3.1 lets a $ref carry a summary or description beside it) to the object and its pointer. */
function resolve(ptr: string): { node: any; ptr: string } {
  let current = ptr;
  for (let hops = 0; hops < 10; hops += 1) {
    const node = at(current);
    if (!node || typeof node.$ref !== 'string') return { node, ptr: current };
    current = node.$ref.replace(/^#/, '');
  }
  throw new Error(`$ref cycle at ${ptr}`);
}

function documentedOperations(): Array<{ path: string; method: string }> {
  return Object.entries(doc.paths as Record<string, object>).flatMap(([path, item]) => METHODS.filter((m) => m in item).map((method) => ({ path, method })));
}

function documentedMethods(path: string): string[] {
  return METHODS.filter((m) => m in doc.paths[path]).map((m) => m.toUpperCase());
}

/** Every value under `node` with its pointer. */
function* walk(node: unknown, ptr = ''): Generator<[unknown, string]> {
  yield [node, ptr];
  if (node && typeof node === 'object') {
    for (const [key, child] of Object.entries(node)) yield* walk(child, `${ptr}${pointer(key)}`);
  }
}

// ── Answers against the document ──────────────────────────────────────────────

const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats.default(ajv);
ajv.addSchema(doc, DOC_ID);
const validators = new Map<string, ValidateFunction>();

/** A validator for the schema at a pointer in the document; its $refs resolve within the document. */
function validatorAt(ptr: string): ValidateFunction {
  let validate = validators.get(ptr);
  if (!validate) {
    const fragment = ptr.split('/').map(encodeURIComponent).join('/');
    validate = ajv.compile({ $ref: `${DOC_ID}#${fragment}` });
    validators.set(ptr, validate);
  }
  return validate;
}

function expectValid(ptr: string, value: unknown, what: string): void {
  const validate = validatorAt(ptr);
  expect(validate(value), `${what} does not match ${ptr}: ${ajv.errorsText(validate.errors)}\n${JSON.stringify(value).slice(0, 2000)}`).to.equal(true);
}

/**
 * Checks a real answer against what the document says `method path` answers:
 * the status is documented, each required header is present, each documented
 * header matches its schema, and the body matches the schema of its media type.
 */
function expectDocumented(method: string, path: string, res: JsonResponse, responsePointer?: string): void {
  const what = `${method} ${path} → ${res.status}`;
  const responsePtr = responsePointer ?? pointer('paths', path, method.toLowerCase(), 'responses', String(res.status));
  const response = resolve(responsePtr);
  expect(response.node, `${what} is not documented${res.text ? `: ${res.text.slice(0, 300)}` : ''}`).to.be.an('object');
  for (const name of Object.keys(response.node.headers ?? {})) {
    const header = resolve(`${response.ptr}${pointer('headers', name)}`);
    const value = res.headers.get(name);
    if (value === null) {
      expect(header.node.required ?? false, `${what} lacks the required header ${name}`).to.equal(false);
      continue;
    }
    if (header.node.schema) expectValid(`${header.ptr}/schema`, value, `${what} header ${name}`);
  }
  const content = response.node.content as Record<string, { schema?: object }> | undefined;
  if (!content) {
    expect(res.text, `${what} documents no body`).to.equal('');
    return;
  }
  const mediaType = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
  expect(Object.keys(content), `${what} answered ${mediaType}`).to.include(mediaType);
  if (method === 'HEAD' || !content[mediaType]?.schema) return;
  const body = mediaType.endsWith('json') ? JSON.parse(res.text) : res.text;
  expectValid(`${response.ptr}${pointer('content', mediaType, 'schema')}`, body, what);
}

// ── The contracts' joi schemas against the document's JSON Schemas ─────────────

function joiRule(description: any, name: string): any {
  return (description.rules as any[] | undefined)?.find((r) => r.name === name);
}

/** Asserts that the JSON Schema at `ptr` accepts what the joi description does, field by field. */
function expectSameShape(joi: any, ptr: string): void {
  const { node: schema, ptr: at } = resolve(ptr);
  const where = `${at} (from ${ptr})`;
  switch (joi.type) {
    case 'object': {
      const keys = Object.keys(joi.keys);
      expect(schema.type, where).to.equal('object');
      expect(schema.additionalProperties, `${where} additionalProperties`).to.equal(false);
      expect(Object.keys(schema.properties), `${where} properties`).to.have.members(keys);
      const required = keys.filter((k) => joi.keys[k].flags?.presence === 'required');
      expect(schema.required ?? [], `${where} required`).to.have.members(required);
      for (const key of keys) expectSameShape(joi.keys[key], `${at}${pointer('properties', key)}`);
      return;
    }
    case 'array':
      expect(schema.type, where).to.equal('array');
      expect(schema.maxItems, `${where} maxItems`).to.equal(joiRule(joi, 'max')?.args.limit);
      expectSameShape(joi.items[0], `${at}/items`);
      return;
    case 'number':
      expect(schema.type, where).to.equal(joiRule(joi, 'integer') ? 'integer' : 'number');
      return;
    case 'string': {
      expect(schema.type, where).to.equal('string');
      expect(schema.maxLength, `${where} maxLength`).to.equal(joiRule(joi, 'max')?.args.limit);
      const pattern = joiRule(joi, 'pattern')?.args.regex as string | undefined;
      expect(pattern && `/${schema.pattern}/`, `${where} pattern`).to.equal(pattern);
      if (joiRule(joi, 'email')) expect(schema.format, `${where} format`).to.equal('email');
      const allowsEmpty = (joi.allow as unknown[] | undefined)?.includes('') ?? false;
      // joi refuses '' unless allowed; a pattern that needs a character refuses it too.
      if (!pattern) expect(schema.minLength, `${where} minLength`).to.equal(allowsEmpty ? undefined : 1);
      return;
    }
    default:
      throw new Error(`${where}: teach expectSameShape the joi type ${String(joi.type)}`);
  }
}

// ── Routes of the running app ─────────────────────────────────────────────────

interface RouterLayer {
  route?: { path: string | string[]; stack: Array<{ method?: string }> };
  handle: { stack?: RouterLayer[] };
  slash?: boolean;
}

/** Every route of an express app and its methods, as `/orders/{uid}` → GET, PUT, DELETE. */
function routesOf(app: Express): Map<string, Set<string>> {
  const routes = new Map<string, Set<string>>();
  const visit = (stack: RouterLayer[]): void => {
    for (const layer of stack) {
      if (layer.route) {
        for (const path of [layer.route.path].flat()) {
          const template = path.replace(/:(\w+)/g, '{$1}');
          const methods = routes.get(template) ?? new Set<string>();
          for (const { method } of layer.route.stack) if (method) methods.add(method.toUpperCase());
          routes.set(template, methods);
        }
      } else if (Array.isArray(layer.handle.stack)) {
        expect(layer.slash, 'a router mounted below / (teach routesOf its prefix)').to.equal(true);
        visit(layer.handle.stack);
      }
    }
  };
  visit((app.router as unknown as { stack: RouterLayer[] }).stack);
  return routes;
}

// ──────────────────────────────────────────────────────────────────────────────

describe('OpenAPI document (apps/api/openapi.json)', () => {
  describe('as a document', () => {
    it('is OpenAPI 3.1 in shape: info, paths, and operations with unique ids and responses', () => {
      const operationSchema = {
        type: 'object',
        required: ['operationId', 'summary', 'responses'],
        properties: {
          operationId: { type: 'string', pattern: '^[a-zA-Z]+$' },
          summary: { type: 'string' },
          tags: { type: 'array', items: { enum: (doc.tags as Array<{ name: string }>).map((t) => t.name) } },
          parameters: { type: 'array', items: { type: 'object', anyOf: [{ required: ['$ref'] }, { required: ['name', 'in', 'schema'] }] } },
          requestBody: { type: 'object', required: ['content'] },
          responses: {
            type: 'object',
            minProperties: 1,
            propertyNames: { pattern: '^[1-5]\\d\\d$' },
            additionalProperties: { type: 'object', anyOf: [{ required: ['$ref'] }, { required: ['description'] }] },
          },
        },
      };
      const shape = {
        type: 'object',
        required: ['openapi', 'info', 'paths', 'components'],
        properties: {
          openapi: { type: 'string', pattern: '^3\\.1\\.\\d+$' },
          info: { type: 'object', required: ['title', 'version'], properties: { title: { type: 'string' }, version: { type: 'string' } } },
          paths: {
            type: 'object',
            propertyNames: { pattern: '^/' },
            additionalProperties: {
              type: 'object',
              propertyNames: { enum: [...METHODS, 'summary', 'description', 'parameters', 'servers'] },
              properties: Object.fromEntries(METHODS.map((m) => [m, operationSchema])),
            },
          },
          components: {
            type: 'object',
            propertyNames: {
              enum: ['schemas', 'responses', 'parameters', 'examples', 'requestBodies', 'headers', 'securitySchemes', 'links', 'callbacks', 'pathItems'],
            },
          },
        },
      };
      const validate = new Ajv2020({ strict: true, strictRequired: false }).compile(shape);
      expect(validate(doc), ajv.errorsText(validate.errors)).to.equal(true);
      const ids = documentedOperations().map(({ path, method }) => doc.paths[path][method].operationId as string);
      expect(new Set(ids).size, 'operationIds are unique').to.equal(ids.length);
    });

    it('resolves every $ref and declares every path parameter', () => {
      for (const [node, ptr] of walk(doc)) {
        const ref = (node as { $ref?: unknown } | null)?.$ref;
        if (typeof ref === 'string') {
          expect(ref, `${ptr} is a local reference`).to.match(/^#\//);
          expect(at(ref.slice(1)), `${ptr}: ${ref} resolves`).to.not.equal(undefined);
        }
      }
      for (const { path, method } of documentedOperations()) {
        const parameters = [...(doc.paths[path].parameters ?? []), ...(doc.paths[path][method].parameters ?? [])].map((p: any) =>
          p.$ref ? at(p.$ref.slice(1)) : p,
        );
        const declared = parameters.filter((p: any) => p.in === 'path');
        const templated = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
        expect(
          declared.map((p: any) => p.name),
          `${method.toUpperCase()} ${path} path parameters`,
        ).to.have.members(templated);
        for (const p of declared) expect(p.required, `${path} parameter ${p.name} is required`).to.equal(true);
      }
    });

    it('has schemas ajv compiles, and examples that match them', () => {
      for (const name of Object.keys(doc.components.schemas)) validatorAt(pointer('components', 'schemas', name));
      expect(doc.components.examples.OrderDraft.value, 'the draft example is docs/examples/order.example.json').to.deep.equal(example);
      expectValid(pointer('components', 'schemas', 'OrderDraft'), doc.components.examples.OrderDraft.value, 'the OrderDraft example');
      expectValid(pointer('components', 'schemas', 'Order'), doc.components.examples.Order.value, 'the Order example');
      for (const [node, ptr] of walk(doc.components.responses, pointer('components', 'responses'))) {
        if (ptr.endsWith('/application~1problem+json') && (node as { example?: unknown }).example) {
          expectValid(pointer('components', 'schemas', 'Problem'), (node as { example: unknown }).example, `the example at ${ptr}`);
        }
      }
    });

    it('describes the order as the contracts do: every field, required list and maximum length', () => {
      expectSameShape(orderSchema.describe(), pointer('components', 'schemas', 'Order'));
      expectSameShape(orderDraftSchema.describe(), pointer('components', 'schemas', 'OrderDraft'));
    });

    it('lists exactly the problem types the API answers with', () => {
      const documented = (doc.components.schemas.Problem.properties.type.anyOf as Array<{ const: string }>).map((t) => t.const);
      expect(documented).to.have.members(Object.values(problemTypes));
    });
  });

  describe('against the running API (real PostgreSQL and Kafka)', () => {
    let api: RunningApi;
    let app: Express;
    let topic: string;
    const uid = (): string => uniqueName('oa').replace(/[^A-Za-z0-9_-]/g, '');

    before(async () => {
      topic = await createTestTopic('it-openapi');
      // The app the composition root builds is reachable only through the listen call that starts it.
      const listen = sinon.spy(express.application, 'listen');
      try {
        api = await startApi({ KAFKA_TOPIC: topic });
      } finally {
        listen.restore();
      }
      // The public app and the admin app (readiness and metrics, on ADMIN_PORT); the document describes the public one.
      expect(listen.callCount, 'the API started its public and its admin express app').to.equal(2);
      const apps = listen.thisValues as Express[];
      const serves = (candidate: Express, path: string): boolean =>
        (candidate.router as unknown as { stack: Array<{ route?: { path?: string } }> }).stack.some((layer) => layer.route?.path === path);
      app = apps.find((candidate) => serves(candidate, '/orders')) as Express;
      expect(app, 'the public app serves /orders').to.not.equal(undefined);
      expect(
        apps.filter((candidate) => serves(candidate, '/readyz')),
        'only the admin app serves /readyz',
      )
        .to.have.length(1)
        .and.not.include(app);
    });
    after(async () => {
      await api?.stop();
      if (topic) await deleteTestTopic(topic);
    });

    it('documents every route the app registers, with exactly its methods', () => {
      const routes = routesOf(app);
      const documented = new Map(Object.keys(doc.paths).map((path) => [path, new Set(documentedMethods(path))]));
      expect([...routes.keys()], 'routes of the app').to.have.members([...documented.keys()]);
      for (const [path, methods] of routes) expect([...methods], `methods of ${path}`).to.have.members([...documented.get(path)!]);
    });

    it('answers each documented operation as documented (no missing route, no 405)', async () => {
      for (const { path, method } of documentedOperations()) {
        const concrete = path.replaceAll('{uid}', uid());
        const body = method === 'post' || method === 'put' ? { json: {} } : {};
        const res = await call(api.url, method.toUpperCase(), concrete, body);
        const label = `${method.toUpperCase()} ${concrete} → ${res.status}`;
        expect(res.status, label).to.not.equal(405);
        expect(res.status === 404 && /^No route/.test(res.body?.detail ?? ''), `${label}: no such route`).to.equal(false);
        expectDocumented(method.toUpperCase(), path, res);
      }
    });

    it('answers every other method on a documented path with 405 and exactly the documented methods in Allow', async () => {
      for (const path of Object.keys(doc.paths)) {
        const documented = documentedMethods(path);
        const allowed = [...documented, ...(documented.includes('GET') ? ['HEAD'] : [])];
        for (const method of PROBED_METHODS.filter((m) => !documented.includes(m))) {
          const res = await call(api.url, method, path.replaceAll('{uid}', uid()));
          expect(res.status, `${method} ${path}`).to.equal(405);
          expect((res.headers.get('allow') ?? '').split(/,\s*/), `Allow of ${method} ${path}`).to.have.members(allowed);
          expectDocumented(method, path, res, pointer('components', 'responses', 'MethodNotAllowed'));
        }
      }
    });

    it('answers writes and reads of an order as documented: 201, 200, 304, 409, 412, 204, 404', async () => {
      const orderUid = uid();
      const key = uniqueName('key');
      const created = await call(api.url, 'POST', '/orders', { json: { order_uid: orderUid, ...example }, headers: { 'idempotency-key': key } });
      expect(created.status).to.equal(201);
      expectDocumented('POST', '/orders', created);
      const replayed = await call(api.url, 'POST', '/orders', { json: { order_uid: orderUid, ...example }, headers: { 'idempotency-key': key } });
      expect(replayed.headers.get('idempotent-replayed')).to.equal('true');
      expectDocumented('POST', '/orders', replayed);
      const duplicate = await call(api.url, 'POST', '/orders', { json: { order_uid: orderUid, ...example } });
      expect(duplicate.status).to.equal(409);
      expectDocumented('POST', '/orders', duplicate);

      const read = await call(api.url, 'GET', `/orders/${orderUid}`);
      expect(read.status).to.equal(200);
      expect(read.headers.get('cache-status')).to.be.a('string');
      expectDocumented('GET', '/orders/{uid}', read);
      const notModified = await call(api.url, 'GET', `/orders/${orderUid}`, { headers: { 'if-none-match': read.headers.get('etag')! } });
      expect(notModified.status).to.equal(304);
      expectDocumented('GET', '/orders/{uid}', notModified);
      const floored = await call(api.url, 'GET', `/orders/${orderUid}`, { headers: { 'min-version': '1' } });
      expect(floored.status).to.equal(200);
      expectDocumented('GET', '/orders/{uid}', floored);
      const badFloor = await call(api.url, 'GET', `/orders/${orderUid}`, { headers: { 'min-version': 'latest' } });
      expect(badFloor.status).to.equal(422);
      expect(badFloor.body.errors.map((e: { path: string }) => e.path)).to.deep.equal(['/headers/Min-Version']);
      expectDocumented('GET', '/orders/{uid}', badFloor);

      const replaced = await call(api.url, 'PUT', `/orders/${orderUid}`, { json: read.body, headers: { 'if-match': read.headers.get('etag')! } });
      expect(replaced.status).to.equal(200);
      expectDocumented('PUT', '/orders/{uid}', replaced);
      const stale = await call(api.url, 'PUT', `/orders/${orderUid}`, { json: read.body, headers: { 'if-match': read.headers.get('etag')! } });
      expect(stale.status).to.equal(412);
      expectDocumented('PUT', '/orders/{uid}', stale);
      const createdByPut = await call(api.url, 'PUT', `/orders/${uid()}`, { json: example });
      expect(createdByPut.status).to.equal(201);
      expectDocumented('PUT', '/orders/{uid}', createdByPut);

      const deleted = await call(api.url, 'DELETE', `/orders/${orderUid}`);
      expect(deleted.status).to.equal(204);
      expectDocumented('DELETE', '/orders/{uid}', deleted);
      const gone = await call(api.url, 'GET', `/orders/${orderUid}`, { headers: { 'x-request-id': 'openapi-test-1' } });
      expect(gone.status).to.equal(404);
      expect(gone.body.request_id).to.equal('openapi-test-1');
      expectDocumented('GET', '/orders/{uid}', gone);
    });

    it('answers refused writes as documented: 422 with each path, 400, 415, 413', async () => {
      const invalid = await call(api.url, 'POST', '/orders', {
        json: {
          ...example,
          payment: { ...(example.payment as object), amount: 'lots' },
          delivery: { ...(example.delivery as object), email: 'nobody' },
          surprise: 1,
        },
      });
      expect(invalid.status).to.equal(422);
      expect(invalid.body.errors.map((e: { path: string }) => e.path)).to.include.members(['/payment/amount', '/delivery/email', '/surprise']);
      expectDocumented('POST', '/orders', invalid);
      const broken = await call(api.url, 'POST', '/orders', { body: '{"track_number": ', headers: { 'content-type': 'application/json' } });
      expect(broken.status).to.equal(400);
      expectDocumented('POST', '/orders', broken);
      const form = await call(api.url, 'PUT', `/orders/${uid()}`, { body: 'a=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      expect(form.status).to.equal(415);
      expectDocumented('PUT', '/orders/{uid}', form);
      const huge = await call(api.url, 'POST', '/orders', { json: { ...example, entry: 'x'.repeat(api.config.http.bodyLimitBytes) } });
      expect(huge.status).to.equal(413);
      expectDocumented('POST', '/orders', huge);
    });

    it('answers searches as documented: pages with a cursor, and 422 for a bad parameter', async () => {
      const customer = uniqueName('oa-cust');
      for (let i = 0; i < 3; i += 1) {
        const order = anOrder()
          .with({ order_uid: uid(), customer_id: customer, date_created: new Date(Date.UTC(2024, 0, 1 + i)).toISOString() })
          .build();
        expect((await call(api.url, 'POST', '/orders', { json: order })).status).to.equal(201);
      }
      const first = await call(api.url, 'GET', `/orders?customer_id=${customer}&limit=2`);
      expect(first.body.items).to.have.length(2);
      expect(first.body.next_cursor).to.be.a('string');
      expectDocumented('GET', '/orders', first);
      const last = await call(api.url, 'GET', `/orders?customer_id=${customer}&limit=2&cursor=${encodeURIComponent(first.body.next_cursor)}`);
      expect(last.body).to.include({ next_cursor: null });
      expectDocumented('GET', '/orders', last);
      const bad = await call(api.url, 'GET', '/orders?limit=0');
      expect(bad.status).to.equal(422);
      expectDocumented('GET', '/orders', bad);
    });

    it('serves this document, the example order and the pages, revalidated by ETag', async () => {
      const served = await call(api.url, 'GET', '/openapi.json');
      expect(served.body).to.deep.equal(doc);
      expectDocumented('GET', '/openapi.json', served);
      const again = await call(api.url, 'GET', '/openapi.json', { headers: { 'if-none-match': served.headers.get('etag')! } });
      expect(again.status).to.equal(304);
      expectDocumented('GET', '/openapi.json', again);
      const exampleOrder = await call(api.url, 'GET', '/examples/order.json');
      expect(exampleOrder.body).to.deep.equal(example);
      expectDocumented('GET', '/examples/order.json', exampleOrder);
      for (const path of ['/', '/docs']) {
        const page = await call(api.url, 'GET', path);
        expect(page.headers.get('content-security-policy'), path).to.include("connect-src 'self'");
        expectDocumented('GET', path, page);
      }
      for (const asset of ['/app.js', '/app.css', '/docs.js', '/docs/assets/swagger-ui-bundle.js', '/docs/assets/swagger-ui.css']) {
        const res = await call(api.url, 'GET', asset);
        expect(res.status, asset).to.equal(200);
        expect(res.headers.get('cache-control'), asset).to.be.a('string');
      }
      expect((await call(api.url, 'GET', '/docs/assets/index.html')).status, 'Swagger UI files other than the ones /docs uses').to.equal(404);
    });
  });
});
